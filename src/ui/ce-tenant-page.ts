import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { RoomId } from '../protocol/ids';
import { TENANT_INFERENCES } from '../protocol/tenant-messages';
import { openPeerTransport } from '../mesh/peerjs-transport';
import type { Transport } from '../mesh/transport';
import { TenantClient, TenantInputError } from '../swarm/tenant-client';
import { loadAppConfig, signalingFor } from './app-config';
import { formatGramsCo2, formatShare, plannedGramsText } from './format';

const STATE_TEXT = {
  connecting: 'connecting to the coordinator...',
  verifying: 'checking the coordinator...',
  admitted: 'connected',
  rejected: 'refused',
  closed: 'disconnected',
} as const;

/**
 * The tenant page (issue 15): opened from a tenant link (`?room=R&tenant=ID&tkey=SECRET&fp=FP`), it
 * connects to the room's coordinator (src/swarm/tenant-client.ts), then offers a small form (model,
 * inferences, Submit), lists this tenant's runs with their state, progress, measured grams and the
 * budget broker's message, and shows the tenant's grams spent against its budget.
 */
@customElement('ce-tenant-page')
export class CeTenantPage extends LitElement {
  static override styles = css`
    :host { display: block; max-width: 100%; overflow-wrap: anywhere; }
    .card { background: #f4f9f4; padding: 12px 16px; border-radius: 8px; margin-bottom: 12px; }
    .error { background: #fdecea; border: 1px solid #e57373; padding: 10px; border-radius: 6px; margin: 8px 0; }
    form { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end; margin: 8px 0; }
    label { display: flex; flex-direction: column; font-size: 0.85rem; }
    table { border-collapse: collapse; font-size: 0.9rem; width: 100%; }
    th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #e0e0e0; vertical-align: top; }
    th { white-space: nowrap; }
    tr[data-state="refused"] td, tr[data-state="stopped"] td { color: #b71c1c; }
    tr[data-state="done"] td.state { color: #2e7d32; }
    meter { width: 200px; }
  `;

  @property({ attribute: false }) room!: RoomId;
  @property({ attribute: false }) tenantId = '';
  @property({ attribute: false }) secret = '';
  @property({ attribute: false }) fingerprint = '';
  @state() private tick = 0;
  @state() private inputError = '';
  @state() private model = '';
  @state() private inferences = 6;
  private client: TenantClient | undefined;
  private transport: Transport | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.open();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.client?.stop();
    this.transport?.stop();
  }

  private async open(): Promise<void> {
    try {
      const config = await loadAppConfig();
      this.transport = await openPeerTransport(signalingFor(config));
      const client = new TenantClient({ transport: this.transport, room: this.room, tenantId: this.tenantId, secret: this.secret, coordinatorFingerprint: this.fingerprint });
      this.client = client;
      client.onChange(() => {
        if (!this.model && client.models.length) this.model = client.models.includes('tinycnn') ? 'tinycnn' : client.models[0]!;
        this.tick++;
      });
      await client.start();
    } catch (error) {
      this.inputError = `Could not connect: ${(error as Error).message}`;
    }
    this.tick++;
  }

  private submit(event: Event): void {
    event.preventDefault();
    try {
      this.client?.submit(this.model, this.inferences);
      this.inputError = '';
    } catch (error) {
      if (!(error instanceof TenantInputError)) throw error;
      this.inputError = error.message;
    }
  }

  override render() {
    void this.tick;
    const c = this.client;
    const state = c?.state ?? 'connecting';
    const status = c?.status;
    const t = status?.tenant;
    return html`
      <div class="card">
        <div><b data-testid="tenant-title">${c?.name || 'Tenant'}</b> - <span data-testid="tenant-state" data-state=${state}>${STATE_TEXT[state]}</span></div>
        ${t ? html`<div data-testid="tenant-budget" data-spent-grams=${t.spentGramsCo2} data-budget-grams=${t.budgetGramsCo2}>
            Spent ${formatGramsCo2(t.spentGramsCo2)} of ${formatGramsCo2(t.budgetGramsCo2)} (${formatShare(t.spentGramsCo2 / t.budgetGramsCo2)});
            ${formatGramsCo2(t.remainingGramsCo2)} left${t.reservedGramsCo2 > 0 ? html`, ${formatGramsCo2(t.reservedGramsCo2)} reserved for the batch running` : ''}${t.overdraftGramsCo2 > 0 ? html`, <b>${formatGramsCo2(t.overdraftGramsCo2)} over</b>` : ''}
            <br /><meter min="0" max="1" .value=${Math.min(1, t.spentGramsCo2 / t.budgetGramsCo2)}></meter></div>` : ''}
      </div>
      ${c?.error ? html`<div class="error" role="alert" data-testid="tenant-error">${c.error}</div>` : ''}
      ${state === 'admitted' ? html`
        <form @submit=${(e: Event) => this.submit(e)}>
          <label>model <select data-testid="tenant-model" @change=${(e: Event) => (this.model = (e.target as HTMLSelectElement).value)}>
            ${c!.models.map((m) => html`<option value=${m} ?selected=${m === this.model}>${m}</option>`)}</select></label>
          <label>inferences <input data-testid="tenant-count" type="number" min=${TENANT_INFERENCES.min} max=${TENANT_INFERENCES.max} style="width:6em"
            .value=${String(this.inferences)} @change=${(e: Event) => (this.inferences = Number((e.target as HTMLInputElement).value))} /></label>
          <button data-testid="tenant-submit" type="submit">Submit</button>
        </form>` : ''}
      ${this.inputError ? html`<div class="error" role="alert" data-testid="tenant-input-error">${this.inputError}</div>` : ''}
      ${c?.submitError ? html`<div class="error" role="alert" data-testid="tenant-submit-error">${c.submitError}</div>` : ''}
      ${status && status.runs.length ? html`<table data-testid="tenant-runs">
          <thead><tr><th>run</th><th>model</th><th>state</th><th>done</th><th>measured</th><th>planned vs measured</th><th>message</th></tr></thead>
          <tbody>${[...status.runs].reverse().map((r) => {
            const check = r.predictedGramsPerInference !== undefined ? plannedGramsText(r.predictedGramsPerInference, r.measuredGramsCo2, r.completed) : undefined;
            return html`<tr data-testid="tenant-run" data-run-id=${r.runId} data-state=${r.state} data-completed=${r.completed}
              data-inferences=${r.inferences} data-measured-grams=${r.measuredGramsCo2} data-planned-grams=${r.predictedGramsPerInference ?? ''} data-planned-error=${check?.error ?? ''}>
            <td>${r.runId}</td><td>${r.model}</td><td class="state">${r.state}</td><td>${r.completed} / ${r.inferences}</td>
            <td>${formatGramsCo2(r.measuredGramsCo2)}</td><td data-testid="tenant-run-planned">${check?.text ?? '-'}</td><td data-testid="tenant-run-message">${r.message ?? ''}</td></tr>`;
          })}</tbody>
        </table>` : state === 'admitted' ? html`<div style="color:#666;font-size:0.85rem">No runs yet: pick a model and a number of inferences, then Submit.</div>` : ''}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-tenant-page': CeTenantPage;
  }
}
