import { useState } from "react";
import "segment-backfill/element.js";

export function Import({ endpoint, writeKey, preset }) {
  const [mapping, setMapping] = useState(null);
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  return (
    <>
      <segment-backfill-import
        endpoint={endpoint}
        write-key={writeKey}
        mapping={preset}
        importOptions={{ concurrency: 2 }}
        onmapped={(e) => setMapping(e.detail.mapping)}
        ondone={(e) => setReport(e.detail)}
        onfailed={(e) => setError(e.detail)}
      />
      {mapping && <pre>{JSON.stringify(mapping)}</pre>}
      {report && (
        <p>
          {report.delivered} of {report.rows} rows delivered, {report.rejected} rejected,{" "}
          {report.undelivered} not delivered.
        </p>
      )}
      {error && <p role="alert">{error.message} ({error.code})</p>}
    </>
  );
}
