// The Svelte app: the component of docs/element.md (compiled by build.mjs
// with svelte/compiler), given the endpoint and the write key from the
// page's query, and the preset mapping.
import { mount } from "svelte";
import Import from "./Import.svelte";
import { PRESET } from "../preset.mjs";

const query = new URLSearchParams(location.search);
mount(Import, {
  target: document.getElementById("app"),
  props: { endpoint: query.get("endpoint"), writeKey: query.get("key"), preset: PRESET },
});
