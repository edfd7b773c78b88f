/**
 * The coordinator's side of tenant links (issue 15): the Coordinator hands it every link that opens
 * with a `tenant-hello` (src/protocol/tenant-messages.ts); the desk proves the coordinator's
 * identity (a signed challenge over the tenant's nonce, checked by the page against the link's
 * `fp`), checks the tenant link's secret, and then takes that tenant's submissions to the
 * {@link TenantRunner} and pushes it status updates with its own budget and runs only.
 *
 * Tenant pages are untrusted: messages are parsed and bounded by the protocol module, a tenant only
 * ever submits as the tenant its secret proved, one submission per link is handled at a time, a
 * tenant has at most {@link TenantDeskOptions.maxLinksPerTenant} pages open, and a link that does
 * not authenticate in time, sends a wrong secret or a malformed message is closed.
 */
import { PROTOCOL_VERSION } from '../protocol/messages';
import { ProtocolError } from '../protocol/bounds';
import {
  encodeTenantMessage,
  parseTenantMessage,
  type CoordinatorTenantMessage,
  type TenantHelloMessage,
} from '../protocol/tenant-messages';
import { encodePublicKey, equalSecrets, newNonce, signTenantChallenge, type KeyPair } from '../trust/identity';
import type { Link } from '../mesh/transport';
import { TenantSubmitError, type TenantRunner } from './tenant-runner';

/** Options of {@link TenantDesk}. */
export interface TenantDeskOptions {
  readonly room: string;
  /** The coordinator's signing key (its fingerprint is the tenant links' `fp`). */
  readonly key: KeyPair;
  readonly runner: TenantRunner;
  /** The secret of a tenant's link, or undefined for an unknown tenant. */
  readonly secretOf: (tenantId: string) => string | undefined;
  /** Time from hello to a correct secret, ms (default 10 s). */
  readonly authTimeoutMs?: number;
  /** Open pages per tenant (default 4). */
  readonly maxLinksPerTenant?: number;
  /** Called when a tenant page is admitted or leaves. */
  readonly onSessions?: () => void;
}

interface Session {
  readonly tenantId: string;
  readonly link: Link;
  submitting: boolean;
}

/** Admits tenant pages and serves them (see the file comment). */
export class TenantDesk {
  readonly #o: TenantDeskOptions;
  readonly #sessions = new Set<Session>();
  #pushQueued = false;
  readonly #offRunner: () => void;
  /** Tenant links refused (unknown tenant, wrong secret, timeout, bad hello). */
  rejectedLinks = 0;
  /** Messages from authenticated tenants that were malformed or unexpected. */
  droppedMessages = 0;

  constructor(options: TenantDeskOptions) {
    this.#o = options;
    this.#offRunner = options.runner.onChange(() => this.#queuePush());
  }

  /** Tenant pages connected now, by tenant id. */
  connected(): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.#sessions) out.set(s.tenantId, (out.get(s.tenantId) ?? 0) + 1);
    return out;
  }

  /** Close every tenant link. */
  stop(): void {
    this.#offRunner();
    for (const s of this.#sessions) s.link.close();
    this.#sessions.clear();
  }

  #send(link: Link, message: CoordinatorTenantMessage): void {
    if (!link.closed) link.send(encodeTenantMessage(message));
  }

  #refuse(link: Link, reason: string): void {
    this.rejectedLinks++;
    this.#send(link, { kind: 'tenant-reject', reason });
    // Give the reject a moment to leave before closing.
    setTimeout(() => link.close(), 500);
  }

  /** Take a link whose first message (`first`) is a tenant hello. */
  accept(link: Link, first: string): void {
    let hello: TenantHelloMessage;
    try {
      const message = parseTenantMessage(first);
      if (message.kind !== 'tenant-hello') throw new ProtocolError('a tenant link must open with tenant-hello');
      hello = message;
    } catch (error) {
      this.#refuse(link, `bad tenant hello: ${(error as Error).message}`);
      return;
    }
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      this.#refuse(link, `protocol version ${hello.protocolVersion} is not supported: this coordinator speaks version ${PROTOCOL_VERSION}. Reload the tenant page.`);
      return;
    }
    const secret = this.#o.secretOf(hello.tenantId);
    if (secret === undefined) {
      this.#refuse(link, 'unknown tenant: open the tenant link the coordinator gave you');
      return;
    }
    const coordinatorNonce = newNonce();
    const signature = signTenantChallenge(this.#o.key, { room: this.#o.room, tenantId: hello.tenantId, tenantNonce: hello.nonce, coordinatorNonce, protocolVersion: PROTOCOL_VERSION });
    const timer = setTimeout(() => {
      off();
      this.#refuse(link, 'no tenant secret within the time allowed');
    }, this.#o.authTimeoutMs ?? 10_000);
    const offClose = link.onClose(() => clearTimeout(timer));
    const off = link.onMessage((payload) => {
      clearTimeout(timer);
      off();
      offClose();
      let ok = false;
      try {
        const message = parseTenantMessage(payload);
        ok = message.kind === 'tenant-auth' && equalSecrets(message.secret, secret);
      } catch {
        ok = false;
      }
      if (!ok) {
        this.#refuse(link, 'wrong tenant secret: open the tenant link the coordinator gave you');
        return;
      }
      this.#admit(link, hello.tenantId);
    });
    this.#send(link, { kind: 'tenant-challenge', protocolVersion: PROTOCOL_VERSION, coordinatorKey: encodePublicKey(this.#o.key.publicKey), coordinatorNonce, signature });
  }

  #admit(link: Link, tenantId: string): void {
    const open = [...this.#sessions].filter((s) => s.tenantId === tenantId).length;
    const max = this.#o.maxLinksPerTenant ?? 4;
    if (open >= max) {
      this.#refuse(link, `${open} pages of this tenant are open already (at most ${max}): close one and reload`);
      return;
    }
    const session: Session = { tenantId, link, submitting: false };
    this.#sessions.add(session);
    link.onClose(() => {
      this.#sessions.delete(session);
      this.#o.onSessions?.();
    });
    this.#o.onSessions?.();
    link.onMessage((payload) => void this.#onMessage(session, payload));
    const status = this.#o.runner.statusOf(tenantId);
    this.#send(link, { kind: 'tenant-welcome', tenantId, name: status?.tenant.name ?? tenantId, models: this.#models() });
    this.#pushTo(session);
  }

  #models(): string[] {
    return [...this.#o.runner.models];
  }

  async #onMessage(session: Session, payload: unknown): Promise<void> {
    let message;
    try {
      message = parseTenantMessage(payload);
    } catch (error) {
      this.droppedMessages++;
      this.#send(session.link, { kind: 'tenant-error', message: `message refused: ${(error as Error).message.slice(0, 300)}` });
      return;
    }
    if (message.kind !== 'tenant-submit') {
      this.droppedMessages++;
      this.#send(session.link, { kind: 'tenant-error', message: `"${message.kind}" is not expected once admitted` });
      return;
    }
    if (session.submitting) {
      this.#send(session.link, { kind: 'tenant-error', message: 'the previous submission is still being planned: wait for its answer' });
      return;
    }
    session.submitting = true;
    try {
      // Always as the tenant this link proved, whatever the message might claim.
      await this.#o.runner.submit(session.tenantId, message.model, message.inferences);
    } catch (error) {
      const text = error instanceof TenantSubmitError ? error.message : `submission failed: ${(error as Error).message}`;
      this.#send(session.link, { kind: 'tenant-error', message: text.slice(0, 500) });
    } finally {
      session.submitting = false;
    }
    this.#pushTo(session);
  }

  /** Push status once per turn of the event loop, however many changes happened. */
  #queuePush(): void {
    if (this.#pushQueued) return;
    this.#pushQueued = true;
    queueMicrotask(() => {
      this.#pushQueued = false;
      for (const s of this.#sessions) this.#pushTo(s);
    });
  }

  #pushTo(session: Session): void {
    const status = this.#o.runner.statusOf(session.tenantId);
    if (!status) return;
    try {
      this.#send(session.link, { kind: 'tenant-status', tenant: status.tenant, runs: status.runs.map((r) => ({ ...r, message: r.message === null ? null : r.message.slice(0, 500) })) });
    } catch {
      // A link closing while we send: its close handler removes the session.
    }
  }
}
