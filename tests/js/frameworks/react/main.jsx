// The React app: the component of docs/element.md, given the endpoint and
// the write key from the page's query, and the preset mapping.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Import } from "./Import.jsx";
import { PRESET } from "../preset.mjs";

const query = new URLSearchParams(location.search);
createRoot(document.getElementById("app")).render(
  <StrictMode>
    <Import endpoint={query.get("endpoint")} writeKey={query.get("key")} preset={PRESET} />
  </StrictMode>,
);
