// The shadow DOM's style sheet of <segment-backfill-import>. Everything a
// page may theme is a CSS custom property (they cross the shadow boundary),
// each with its default here; docs/element.md lists them. Sections, buttons,
// inputs and tables also carry `part` names for ::part().
export const STYLES = `
:host {
  --_font: var(--sb-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  --_mono: var(--sb-mono, ui-monospace, "SF Mono", Menlo, Consolas, monospace);
  --_accent: var(--sb-accent, #2563eb);
  --_accent-text: var(--sb-accent-foreground, #ffffff);
  --_bg: var(--sb-background, #ffffff);
  --_fg: var(--sb-foreground, #1f2328);
  --_muted: var(--sb-muted, #636c76);
  --_border: var(--sb-border, #d0d7de);
  --_surface: var(--sb-surface, color-mix(in srgb, var(--_fg) 4%, var(--_bg)));
  --_radius: var(--sb-radius, 8px);
  --_error: var(--sb-error, #cf222e);
  --_ok: var(--sb-ok, #1a7f37);
  --_warn: var(--sb-warn, #9a6700);
  --_focus: var(--sb-focus, var(--_accent));
  display: block;
  box-sizing: border-box;
  font: 15px/1.5 var(--_font);
  color: var(--_fg);
  background: var(--_bg);
  border: 1px solid var(--_border);
  border-radius: var(--_radius);
  padding: 4px 20px;
  color-scheme: var(--sb-color-scheme, light);
  container-type: inline-size;
}
:host([hidden]) { display: none; }
*, *::before, *::after { box-sizing: inherit; }
section { padding: 16px 0; border-top: 1px solid var(--_border); }
section:first-of-type { border-top: 0; }
[hidden] { display: none !important; }
h3 { display: flex; align-items: center; gap: 10px; margin: 0 0 10px; font-size: 1.05em; }
h3 .step {
  display: inline-grid; place-items: center; width: 1.6em; height: 1.6em; border-radius: 50%;
  background: var(--_accent); color: var(--_accent-text); font-size: .85em;
}
h4 { margin: 14px 0 6px; font-size: .95em; }
p { margin: 6px 0; }
code { font-family: var(--_mono); font-size: .9em; }
.muted { color: var(--_muted); }
.small { font-size: .85em; }
.note { color: var(--_muted); font-size: .92em; }
.ok-text { color: var(--_ok); }
.bad-text { color: var(--_error); }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}

/* Controls */
button, input, select { font: inherit; color: inherit; }
button {
  border: 1px solid var(--_accent); background: var(--_accent); color: var(--_accent-text);
  border-radius: calc(var(--_radius) * .75); padding: 6px 16px; cursor: pointer; font-weight: 600;
}
button.secondary { background: var(--_bg); color: var(--_accent); }
button.icon { background: transparent; color: var(--_muted); border-color: transparent; padding: 4px 8px; }
button.icon:hover { color: var(--_error); }
button.small { padding: 2px 10px; font-size: .9em; }
button:disabled { opacity: .45; cursor: not-allowed; }
input[type=text], input[type=password], select {
  border: 1px solid var(--_border); border-radius: calc(var(--_radius) * .75);
  background: var(--_bg); padding: 5px 8px; min-width: 0;
}
:focus-visible { outline: 3px solid color-mix(in srgb, var(--_focus) 55%, transparent); outline-offset: 2px; }
label > span { display: block; font-size: .85em; color: var(--_muted); margin-bottom: 2px; }
label.inline { display: inline-flex; align-items: center; gap: 8px; }
label.inline > span { display: inline; margin: 0; }
.check-label { display: flex; gap: 8px; align-items: center; margin: 6px 0; }
.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 10px 0; }
.fields-row { display: flex; flex-wrap: wrap; gap: 16px; margin: 8px 0 12px; }

/* Pick */
.drop {
  display: flex; flex-direction: column; align-items: center; gap: 4px; padding: 22px 16px;
  border: 2px dashed var(--_border); border-radius: var(--_radius); background: var(--_surface);
  text-align: center; cursor: pointer; transition: border-color .15s, background .15s;
}
.drop:hover, .drop.over { border-color: var(--_accent); background: color-mix(in srgb, var(--_accent) 7%, var(--_bg)); }
.drop:focus-within { outline: 3px solid color-mix(in srgb, var(--_focus) 55%, transparent); outline-offset: 2px; }
.drop input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.drop .title { font-weight: 600; color: var(--_accent); }
.drop .formats { font-size: .85em; color: var(--_muted); }
.picked .drop { flex-direction: row; justify-content: center; padding: 8px 16px; }
.picked .drop .formats { display: none; }

/* Tables */
.scroll { overflow-x: auto; max-width: 100%; border: 1px solid var(--_border); border-radius: calc(var(--_radius) * .75); }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
caption { text-align: left; padding: 4px 8px; font-size: .85em; }
th, td { padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--_surface); font-weight: 600; border-bottom: 1px solid var(--_border); white-space: nowrap; }
table.preview td { max-width: 16em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; border-top: 1px solid var(--_border); }
.rules table { margin-bottom: 8px; }
.rules td, .rules tbody th { border-top: 1px solid var(--_border); vertical-align: middle; }
.rules tbody th { color: var(--_muted); font-weight: normal; width: 2em; }
.rules td.from { display: flex; gap: 6px; flex-wrap: wrap; }
.rules select, .rules input { width: 100%; }
.rules td.from select, .rules td.from input { flex: 1 1 9em; width: auto; }
.rules tr.incomplete td:first-of-type { box-shadow: inset 3px 0 var(--_warn); }

/* Notices */
.banner { border: 1px solid; border-radius: calc(var(--_radius) * .75); padding: 8px 12px; margin: 8px 0; }
.banner p { margin: 0; }
.banner p + p { margin-top: 4px; }
.banner.with-action { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 6px 12px; }
.banner.with-action p { flex: 1 1 20em; }
.banner.warn { border-color: color-mix(in srgb, var(--_warn) 45%, var(--_bg)); background: color-mix(in srgb, var(--_warn) 8%, var(--_bg)); }
.banner.error { border-color: color-mix(in srgb, var(--_error) 45%, var(--_bg)); background: color-mix(in srgb, var(--_error) 7%, var(--_bg)); color: var(--_error); }
.banner.error strong, .banner.error p { color: inherit; }
.error-slot:empty { display: none; }
.stale { opacity: .5; }

/* Counts */
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(8.5em, 1fr)); gap: 8px; margin: 10px 0; }
.tile { border: 1px solid var(--_border); border-radius: calc(var(--_radius) * .75); padding: 8px 12px; background: var(--_surface); }
.tile .n { display: block; font-size: 1.5em; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.2; }
.tile .label { font-size: .85em; color: var(--_muted); }
.tile.ok .n { color: var(--_ok); }
.tile.bad .n { color: var(--_error); }
.tile.warn .n { color: var(--_warn); }
.equation { font-weight: 600; font-variant-numeric: tabular-nums; }
details.finding { border-left: 3px solid var(--_error); padding: 2px 0 2px 10px; margin: 6px 0; }
details.finding.warn { border-left-color: var(--_warn); }
details.finding summary { cursor: pointer; }
details.finding ul, ul.rejected-rows { margin: 4px 0; padding-left: 1.2em; font-size: .92em; }

/* Send */
.send-grid { display: grid; grid-template-columns: minmax(0, 1fr); gap: 8px; }
.send-grid input[type=password] { width: min(100%, 26em); }
.destination { font-size: .92em; }
.destination code { word-break: break-all; }
progress {
  width: 100%; height: 10px; appearance: none; border: 0; border-radius: 999px; overflow: hidden;
  background: var(--_surface); box-shadow: inset 0 0 0 1px var(--_border); accent-color: var(--_accent);
}
progress::-webkit-progress-bar { background: var(--_surface); border-radius: 999px; }
progress::-webkit-progress-value { background: var(--_accent); border-radius: 999px; }
progress::-moz-progress-bar { background: var(--_accent); }
.progress-line { font-variant-numeric: tabular-nums; font-size: .92em; }

@container (max-width: 520px) {
  .rules thead { display: none; }
  .rules tr { display: grid; grid-template-columns: 2em 1fr auto; gap: 4px; padding: 6px 0; border-top: 1px solid var(--_border); }
  .rules td, .rules tbody th { border: 0; padding: 0 4px; }
  .rules td:nth-of-type(2), .rules td:nth-of-type(3) { grid-column: 2; }
}
`;
