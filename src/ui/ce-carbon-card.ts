import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { bundledZones, formatIntensity, formatPowerModel } from '../carbon';
import type { CarbonChoices, CarbonField, NodeCarbonProfile } from './node-carbon-profile';

/** Detail of the `carbon-edit` event: the text the user entered ('' resets the field). */
export interface CarbonEditDetail {
  readonly field: CarbonField;
  readonly text: string;
}

/** An edit that was refused, shown beside its field. */
export interface CarbonFieldError {
  readonly field: CarbonField;
  readonly reason: string;
}

/**
 * The node page's "Carbon" card: zone, grid intensity and power, each with its provenance, and a
 * field to override each. Renders only; edits go up as `carbon-edit` events and the page decides.
 */
@customElement('ce-carbon-card')
export class CeCarbonCard extends LitElement {
  static override styles = css`
    :host { display: block; background: #f4f9f4; padding: 12px 16px; border-radius: 8px; margin-bottom: 12px; }
    dt { font-weight: 600; margin-top: 8px; } dd { margin: 0 0 4px; }
    .figure { font-family: ui-monospace, monospace; }
    .how { color: #555; font-size: 0.85rem; }
    .edit { margin-top: 4px; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
    input { width: 14em; }
    .error { color: #b71c1c; font-size: 0.85rem; }
    .problem { color: #8a5a00; font-size: 0.85rem; }
  `;

  /** The profile in force (undefined until the page has built one). */
  @property({ attribute: false }) profile: NodeCarbonProfile | undefined;
  /** The user's current choices (fill the fields). */
  @property({ attribute: false }) choices: CarbonChoices = {};
  /** The last refused edit, if any. */
  @property({ attribute: false }) error: CarbonFieldError | undefined;

  private readonly zones = bundledZones();

  private edit(field: CarbonField, text: string): void {
    this.dispatchEvent(new CustomEvent<CarbonEditDetail>('carbon-edit', { detail: { field, text }, bubbles: true, composed: true }));
  }

  private errorFor(field: CarbonField) {
    return this.error?.field === field
      ? html`<span class="error" role="alert" data-testid="carbon-error" data-field=${field}>${this.error.reason}</span>`
      : '';
  }

  override render() {
    const p = this.profile;
    if (!p) return html`<strong>Carbon</strong> <span class="how">working out this device's profile...</span>`;
    const value = (e: Event) => (e.target as HTMLInputElement).value;
    const intensity = p.intensity.gramsCo2PerKwh;
    const configuredIntensity = this.choices.intensity?.kind === 'configured' ? String(this.choices.intensity.gramsCo2PerKwh)
      : this.choices.intensity?.kind === 'scenario' ? `scenario:${this.choices.intensity.name}` : '';
    return html`
      <strong>Carbon</strong>
      <dl>
        <dt>Grid zone</dt>
        <dd>
          <span class="figure" data-testid="carbon-zone" data-zone=${p.zone.zone} data-basis=${p.zone.basis}>${p.zone.zone}</span>
          <span class="how" data-testid="carbon-zone-label">${p.zone.label}</span>
          <div class="edit">
            <input data-testid="carbon-zone-input" list="carbon-zones" maxlength="64" aria-label="grid zone"
              placeholder="country code, e.g. FR" .value=${live(this.choices.zone ?? '')}
              @change=${(e: Event) => this.edit('zone', value(e))} />
            <datalist id="carbon-zones">${this.zones.map((z) => html`<option value=${z}></option>`)}</datalist>
            <button data-testid="carbon-zone-reset" ?disabled=${this.choices.zone === undefined}
              @click=${() => this.edit('zone', '')}>use time-zone guess</button>
            ${this.errorFor('zone')}
          </div>
        </dd>
        <dt>Grid intensity</dt>
        <dd>
          <span class="figure" data-testid="carbon-intensity" data-grams-co2-per-kwh=${intensity}
            data-source=${p.intensity.source} data-kind=${p.intensity.kind}>${formatIntensity(p.intensity)}</span>
          <div class="edit">
            <input data-testid="carbon-intensity-input" inputmode="decimal" aria-label="intensity override in gCO2/kWh"
              placeholder="gCO2/kWh or scenario:node-green" .value=${live(configuredIntensity)}
              @change=${(e: Event) => this.edit('intensity', value(e))} />
            <button data-testid="carbon-intensity-reset" ?disabled=${this.choices.intensity === undefined}
              @click=${() => this.edit('intensity', '')}>use bundled</button>
            ${this.errorFor('intensity')}
          </div>
        </dd>
        <dt>Power</dt>
        <dd>
          <span class="figure" data-testid="carbon-power" data-label=${p.power.label} data-idle-watts=${p.power.idleWatts}
            data-max-watts=${p.power.maxWatts}>${formatPowerModel(p.power)}</span>
          <div class="how">device guessed: ${p.device.deviceClass}/${p.device.arch} (${p.device.basis})</div>
          <div class="edit">
            <input data-testid="carbon-power-input" inputmode="decimal" aria-label="full-load power override in watts"
              placeholder="full-load watts" .value=${live(this.choices.maxWatts === undefined ? '' : String(this.choices.maxWatts))}
              @change=${(e: Event) => this.edit('power', value(e))} /> W
            <button data-testid="carbon-power-reset" ?disabled=${this.choices.maxWatts === undefined}
              @click=${() => this.edit('power', '')}>use estimate</button>
            ${this.errorFor('power')}
          </div>
        </dd>
      </dl>
      ${p.problems.map((problem) => html`<div class="problem">${problem}</div>`)}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-carbon-card': CeCarbonCard;
  }
  interface HTMLElementEventMap {
    'carbon-edit': CustomEvent<CarbonEditDetail>;
  }
}
