// A TypeScript consumer of every export of the package, with the docs'
// own examples: type-checked (tsc --strict --exactOptionalPropertyTypes)
// with and without the DOM lib by tests/js/types.test.mjs. Never run.
import init, {
  initSync,
  inspect,
  inspectFile,
  suggestMapping,
  Importer,
  RowCounter,
  importFile,
  importFiles,
  checkFiles,
  checkWriteKey,
  importFileInWorker,
  importFilesInWorker,
  targets,
  mappingGaps,
  describeReading,
  type TargetInfo,
  type MappingGap,
  checkFilesInWorker,
  version,
  SegmentBackfillError,
  isSegmentBackfillError,
  type Initialized,
  type ErrorCode,
  type Code,
  type CodeTally,
  type Mapping,
  type Settings,
  type Inspection,
  type ImportFileOptions,
  type ImporterOptions,
  type InspectOptions,
  type Report,
  type FilesReport,
  type FilesCheck,
  type InWorkerOptions,
  type FileEntry,
  type ImportProgress,
  type KeyCheckResult,
  type Target,
} from "segment-backfill";

declare const file: Blob;
declare const bytes: Uint8Array;
declare const wasmBytes: ArrayBuffer;

const loaded: Initialized = await init();
const again: Initialized = initSync(wasmBytes);
const v: string = loaded.version + again.version + version();

// inspect, and its settings passed back as options.
const found: Inspection = inspect(bytes, { complete: false });
const delimiter: string = found.settings.delimiter;
const options: InspectOptions = { ...found.settings, maxRows: 5 };
inspect(bytes.buffer as ArrayBuffer, options);
const fileFound = await inspectFile(file, { sheet: "Orders" });
const firstRow: number | undefined = fileFound.table?.firstRow;

// suggestMapping, as the docs show it.
const mapping: Mapping = suggestMapping(found.headers, found.rows, found.settings);

// The Importer example.
const importerOptions: ImporterOptions = { sentAt: "2026-01-01T00:00:00.000Z" };
const importer = new Importer(mapping, importerOptions);
importer.push(bytes);
importer.push(bytes.buffer as ArrayBuffer);
importer.finish();
const bodies: string[] = importer.takeBatches();
const bodyBytes: Uint8Array[] = importer.takeBatchBytes();
for (const row of importer.takeRejects()) console.warn(row.row, row.issues[0]?.message);
const summary = importer.summary();
// byCode holds only the codes seen.
const missing: CodeTally | undefined = summary.byCode.missing_identity;
const old: CodeTally | undefined = summary.byCode["timestamp_before_1970"];
const codes: Code[] = Object.keys(summary.byCode) as Code[];
const sniffed: Settings | undefined = importer.settings();
importer.free();

// RowCounter.
const counter = new RowCounter(found.settings);
counter.push(bytes);
const rows: number = counter.finish() + counter.rows;

// importFile, as the docs show it.
const controller = new AbortController();
const importOptions: ImportFileOptions = {
  endpoint: "https://api.segment.io/v1/batch",
  writeKey: "key",
  auth: "body",
  concurrency: 4,
  ratePerSecond: 50,
  signal: controller.signal,
  onProgress: (p: ImportProgress) => console.log(`${p.bytesRead}/${p.bytesTotal} · ${p.delivery.messagesAcknowledged} delivered`),
  paused: () => false,
};
const report: Report = await importFile(file, mapping, importOptions);
const balanced: boolean = report.rows === report.delivered + report.rejected + report.undelivered && report.balanced;
const stoppedKind: "cancelled" | "refused" | "failed" | undefined = report.stopped?.kind;
// No endpoint: the target's own.
await importFile(file, mapping, { writeKey: "key", target: "segment-eu" });
await importFile(file, null, { writeKey: "key", ...found.settings });

// Several files.
const files: FileEntry[] = [{ name: "orders-2024-01.csv", file }];
const check: FilesCheck = await checkFiles(files, mapping);
const filesReport: FilesReport = await importFiles(files, mapping, { endpoint: "http://127.0.0.1:8787/v1/batch", writeKey: "key" });
await checkFiles(files, mapping, { writeKey: "key", endpoint: "x", target: "jitsu" } as ImportFileOptions);
const fileOf: string | undefined = check.rejectedRows[0]?.file ?? filesReport.files[0]?.file;

// What an editor shows before anything is read.
const choices: TargetInfo[] = targets();
const euEndpoint: string | undefined = choices.find((t) => t.id === "segment-eu")?.endpoint;
const gaps: MappingGap[] = mappingGaps(mapping);
const firstGap: Code | undefined = gaps[0]?.code;
const reading: string = describeReading(found.settings);

// The same runs in the package's module worker.
const where: InWorkerOptions = { workerUrl: "/assets/worker.js" };
const inWorker: Report = await importFileInWorker(file, mapping, { ...importOptions, paused: () => false });
await importFileInWorker(file, mapping, { writeKey: "key", ...where });
const filesInWorker: FilesReport = await importFilesInWorker(files, mapping, { writeKey: "key" });
const checkInWorker: FilesCheck = await checkFilesInWorker(files, mapping);
await checkFilesInWorker(files, mapping, { target: "jitsu", workerUrl: new URL("https://example.com/worker.js") });

// The write-key check.
const target: Target = "segment-us";
const known: KeyCheckResult | null = await checkWriteKey("key", { endpoint: "https://api.segment.io/v1/batch", target });
const destinations: string[] | undefined = known?.destinations;

// Errors.
try {
  new Importer({ type: "track", rules: [{ to: "userId" }] });
} catch (e) {
  if (isSegmentBackfillError(e)) {
    const code: ErrorCode = e.code;
    const which: string | undefined = e.file;
    console.log(code, which, e.message);
  }
  if (e instanceof SegmentBackfillError) console.log(e.code satisfies ErrorCode);
}
const made = new SegmentBackfillError("invalid_options", "made by hand");

export { v, delimiter, firstRow, bodies, bodyBytes, missing, old, codes, sniffed, rows, balanced, stoppedKind, fileOf, destinations, made, inWorker, filesInWorker, checkInWorker, euEndpoint, firstGap, reading };
