// The types of <segment-backfill-import> (element.js). They need the DOM
// lib (HTMLElement, CustomEvent), so they live here, apart from index.d.ts.
import type { Mapping, FilesCheck, ImportProgress, SessionReport, ImportFileOptions, ErrorCode } from "./index.js";

/** The tag the element is defined under when element.js is imported. */
export const TAG: "segment-backfill-import";

/** `mapped`: the mapping was set (a file picked, the page set it) or edited. */
export interface MappedDetail {
  /** The mapping as it stands: only complete rules (`null`: the records are sent as the messages they are). */
  mapping: Mapping | null;
  /** What stops a check, in words: rules not complete, columns the file lacks, what the package refuses. Empty when it can be checked. */
  problems: string[];
}

/** `failed`: what went wrong, as the package's error said it. */
export interface FailedDetail {
  code: ErrorCode;
  message: string;
}

/** The element's events and their `detail`. All bubble and are composed. */
export interface SegmentBackfillImportEventMap {
  mapped: CustomEvent<MappedDetail>;
  /** The check of the whole file with the current mapping (nothing sent). */
  checked: CustomEvent<FilesCheck>;
  /** A send's progress, as importFileInWorker's onProgress gets it. */
  progress: CustomEvent<ImportProgress>;
  /** The report of a send: where every row went (also after a cancel). */
  done: CustomEvent<SessionReport>;
  failed: CustomEvent<FailedDetail>;
}

/**
 * `<segment-backfill-import>`: pick a file, edit the suggested mapping,
 * check every row, send with progress (pause, cancel, resume), and the
 * reconciliation. Attributes: `write-key`, `endpoint`, `target`,
 * `key-check="false"`, `settings-url`. `mapping` and `importOptions` are
 * properties only: given as attributes (a framework that rendered the tag
 * before the element was defined), they are reported as `failed`.
 */
export class SegmentBackfillImportElement extends HTMLElement {
  static readonly observedAttributes: string[];
  /**
   * The mapping: the editor's, or the one the page set before a file was
   * picked. Setting it (an object, its JSON text, or `null` for records that
   * are Segment messages) uses it instead of the suggestion, for this file
   * and the next ones.
   */
  get mapping(): Mapping | null;
  set mapping(value: Mapping | string | null);
  /** The file picked, if any. */
  readonly file: File | null;
  /** More options for the send, passed to importFileInWorker as they are (`auth`, `concurrency`, `ratePerSecond`, ...). `null` sets none. */
  get importOptions(): Omit<ImportFileOptions, "onProgress" | "signal" | "paused" | "resumeFrom" | "writeKey">;
  set importOptions(value: Omit<ImportFileOptions, "onProgress" | "signal" | "paused" | "resumeFrom" | "writeKey"> | null);
  attributeChangedCallback(name: string, oldValue: string | null, value: string | null): void;

  addEventListener<K extends keyof SegmentBackfillImportEventMap>(
    type: K,
    listener: (this: SegmentBackfillImportElement, ev: SegmentBackfillImportEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof SegmentBackfillImportEventMap>(
    type: K,
    listener: (this: SegmentBackfillImportElement, ev: SegmentBackfillImportEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    "segment-backfill-import": SegmentBackfillImportElement;
  }
}
