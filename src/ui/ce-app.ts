import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { parseJoinToken, parseRoomId } from '../protocol/ids';
import { TENANT_ID_RE, TENANT_SECRET_RE } from '../protocol/tenant-messages';
import { parseFingerprint } from '../trust/identity';
import './ce-coordinator-page';
import './ce-node-page';
import './ce-tenant-page';

/**
 * The single page's root: the URL picks the role. `/?room=R&tenant=ID&tkey=SECRET&fp=FP` is a
 * tenant (a group submitting runs under its carbon budget, issue 15); `/?room=R&token=T` is a node
 * joining room R; anything else is the coordinator. A malformed link shows a clear error, never a
 * blank page.
 */
@customElement('ce-app')
export class CeApp extends LitElement {
  static override styles = css`
    :host { display: block; font-family: system-ui, sans-serif; color: #1b2a1f; max-width: 1100px; margin: 0 auto; padding: 16px; }
    h1 { font-size: 1.4rem; margin: 0 0 12px; }
    h1 span { color: #2e7d32; }
    .error { background: #fdecea; border: 1px solid #e57373; padding: 12px; border-radius: 6px; }
  `;

  override render() {
    const params = new URLSearchParams(location.search);
    const roomText = params.get('room');
    const tenantText = params.get('tenant');
    const header = html`<h1><span>CarbonEdge</span> ${roomText === null ? 'coordinator' : tenantText !== null ? 'tenant' : 'edge node'}</h1>`;
    if (roomText === null) return html`${header}<ce-coordinator-page></ce-coordinator-page>`;
    const room = parseRoomId(roomText);
    if (tenantText !== null) {
      const secret = params.get('tkey');
      const fp = parseFingerprint(params.get('fp'));
      const bad = !room ? 'the room id' : !TENANT_ID_RE.test(tenantText) ? 'the tenant id' : !secret || !TENANT_SECRET_RE.test(secret) ? 'the tenant key (tkey)' : !fp ? 'the coordinator fingerprint (fp)' : '';
      if (bad) {
        return html`${header}
          <div class="error" role="alert" data-testid="join-error">
            This tenant link is malformed: ${bad} is missing or invalid. Open the tenant link the coordinator gave your group.
          </div>`;
      }
      return html`${header}<ce-tenant-page .room=${room!} .tenantId=${tenantText} .secret=${secret!} .fingerprint=${fp!}></ce-tenant-page>`;
    }
    const token = parseJoinToken(params.get('token'));
    if (!room || !token) {
      return html`${header}
        <div class="error" role="alert" data-testid="join-error">
          This join link is malformed: ${!room ? 'the room id' : 'the join token'} is missing or invalid. Open the link or
          QR code shown on the coordinator's screen.
        </div>`;
    }
    return html`${header}<ce-node-page .room=${room} .token=${token}></ce-node-page>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'ce-app': CeApp;
  }
}
