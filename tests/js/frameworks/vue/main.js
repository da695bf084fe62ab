// The Vue app: the single-file component of docs/element.md (compiled by
// build.mjs with isCustomElement), given the endpoint and the write key
// from the page's query, and the preset mapping.
import { createApp } from "vue";
import Import from "./Import.vue";
import { PRESET } from "../preset.mjs";

const query = new URLSearchParams(location.search);
createApp(Import, { endpoint: query.get("endpoint"), writeKey: query.get("key"), preset: PRESET }).mount("#app");
