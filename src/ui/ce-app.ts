import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { parseJoinToken, parseRoomId } from '../protocol/ids';
import './ce-coordinator-page';
import './ce-node-page';

/**
 * The single page's root: the URL picks the role. `/?room=R&token=T` is a node joining room R;
 * anything else is the coordinator. A malformed join URL shows a clear error, never a blank page.
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
    const header = html`<h1><span>CarbonEdge</span> ${roomText === null ? 'coordinator' : 'edge node'}</h1>`;
    if (roomText === null) return html`${header}<ce-coordinator-page></ce-coordinator-page>`;
    const room = parseRoomId(roomText);
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
