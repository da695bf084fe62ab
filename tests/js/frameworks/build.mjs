// Builds the three framework apps of this folder for the browser with the
// tools a user of each has, run by their JS APIs: esbuild bundles each app
// (JSX for React), svelte/compiler compiles the .svelte component and Vue's
// compiler-sfc (vue/compiler-sfc) the .vue one, with isCustomElement set as
// docs/element.md says (what @vitejs/plugin-vue's `template.compilerOptions`
// passes to the same compiler). Development builds, so each framework's
// warnings reach the console, where the test looks for them.
//
// `import "segment-backfill/element.js"` is left external: the page's import
// map names /pkg/element.js. With `late: true` that import is dropped
// instead, so the app renders the tag before the element is defined and the
// test loads element.js afterwards (a page whose element script comes late).
import { readFile } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { compile as compileSvelte } from "svelte/compiler";
import { parse as parseSfc, compileScript } from "vue/compiler-sfc";

const HERE = dirname(fileURLToPath(import.meta.url));
const ELEMENT = "segment-backfill/element.js";
export const APPS = {
  react: join(HERE, "react/main.jsx"),
  vue: join(HERE, "vue/main.js"),
  svelte: join(HERE, "svelte/main.js"),
};

/** .svelte files through svelte/compiler (client, dev). */
const svelte = {
  name: "svelte",
  setup(build) {
    build.onLoad({ filter: /\.svelte$/ }, async ({ path }) => {
      const { js, warnings } = compileSvelte(await readFile(path, "utf8"), { filename: path, generate: "client", dev: true });
      return { contents: js.code, loader: "js", warnings: warnings.map((w) => ({ text: `${w.code}: ${w.message}` })) };
    });
  },
};

/** Vue's template compiler options, as a Vite config gives them to @vitejs/plugin-vue (`template.compilerOptions`). */
const vueCompilerOptions = { isCustomElement: (tag) => tag === "segment-backfill-import" };

/**
 * .vue single-file components through Vue's compiler-sfc, the template
 * inlined; the compiler options go to the parse (which decides what a tag
 * is) and to the template's compile, as @vitejs/plugin-vue passes them.
 */
const vue = {
  name: "vue",
  setup(build) {
    build.onLoad({ filter: /\.vue$/ }, async ({ path }) => {
      const source = await readFile(path, "utf8");
      const { descriptor, errors } = parseSfc(source, { filename: path, templateParseOptions: vueCompilerOptions });
      if (errors.length) return { errors: errors.map((e) => ({ text: String(e.message ?? e) })) };
      const script = compileScript(descriptor, {
        id: path,
        inlineTemplate: true,
        templateOptions: { compilerOptions: vueCompilerOptions },
      });
      return { contents: script.content, loader: "js" };
    });
  },
};

/** For `late`: the element's import resolves to nothing. */
const noElement = {
  name: "no-element",
  setup(build) {
    build.onResolve({ filter: /^segment-backfill\/element\.js$/ }, () => ({ path: ELEMENT, namespace: "no-element" }));
    build.onLoad({ filter: /.*/, namespace: "no-element" }, () => ({ contents: "", loader: "js" }));
  },
};

/**
 * Builds every app to `outdir`/<name>.js (ES modules); resolves with
 * esbuild's and the compilers' warnings as text, and fails on an error.
 */
export async function buildApps(outdir, { late = false } = {}) {
  const result = await esbuild.build({
    entryPoints: APPS,
    outdir,
    bundle: true,
    format: "esm",
    jsx: "automatic",
    jsxDev: true,
    external: late ? [] : [ELEMENT],
    plugins: [svelte, vue, ...(late ? [noElement] : [])],
    define: {
      "process.env.NODE_ENV": '"development"',
      // Vue's esm-bundler build asks for its compile-time flags to be set.
      __VUE_OPTIONS_API__: "false",
      __VUE_PROD_DEVTOOLS__: "false",
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false",
    },
    logLevel: "silent",
  });
  return result.warnings.map((w) => w.text);
}
