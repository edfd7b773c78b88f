/**
 * The tenant page's side of its link to the coordinator (issue 15): connect to the room's
 * coordinator id, say hello with the tenant id and a fresh nonce, check the coordinator's signed
 * challenge against the tenant link's `fp` (src/trust/identity.ts verifyTenantChallenge) and only
 * then send the link's secret; afterwards submit runs and keep the last status the coordinator
 * pushed (this tenant's budget and runs). Transport-agnostic: the page gives it a PeerJS
 * transport, tests an in-memory one.
 */
import { PROTOCOL_VERSION, ProtocolError } from '../protocol/messages';
import { coordinatorPeerId, type RoomId } from '../protocol/ids';
import {
  MAX_MODEL_NAME,
  TENANT_INFERENCES,
  encodeTenantMessage,
  parseCoordinatorTenantMessage,
  type TenantMessage,
  type TenantStatusMessage,
} from '../protocol/tenant-messages';
import { newNonce, verifyTenantChallenge } from '../trust/identity';
import type { Link, Transport } from '../mesh/transport';
import { Listeners } from '../util/listeners';

/** Where the tenant page is. */
export type TenantClientState = 'connecting' | 'verifying' | 'admitted' | 'rejected' | 'closed';

/** Options of {@link TenantClient}. */
export interface TenantClientOptions {
  readonly transport: Transport;
  readonly room: RoomId;
  readonly tenantId: string;
  readonly secret: string;
  /** The tenant link's `fp`: the coordinator's key must have it. */
  readonly coordinatorFingerprint: string;
  readonly connectTimeoutMs?: number;
}

/** A submission the page refused before sending it. */
export class TenantInputError extends Error {
  override name = 'TenantInputError';
}

/** One tenant page's session (see the file comment). */
export class TenantClient {
  readonly #o: TenantClientOptions;
  readonly #changes = new Listeners<[]>();
  #link: Link | undefined;
  #nonce = '';
  state: TenantClientState = 'connecting';
  /** Why the page is rejected or closed, or the last error the coordinator sent. */
  error = '';
  /** The coordinator's answer to the last submission when it did not take it. */
  submitError = '';
  name = '';
  models: readonly string[] = [];
  status: TenantStatusMessage | undefined;
  /** Messages from the coordinator that did not parse. */
  droppedMessages = 0;

  constructor(options: TenantClientOptions) {
    this.#o = options;
  }

  onChange(fn: () => void): () => void {
    return this.#changes.add(fn);
  }

  #set(patch: Partial<Pick<TenantClient, 'state' | 'error' | 'submitError' | 'name' | 'models' | 'status'>>): void {
    Object.assign(this, patch);
    this.#changes.emit();
  }

  /** Connect and say hello; resolves once the link is open (admission follows by messages). */
  async start(): Promise<void> {
    let link: Link;
    try {
      link = await this.#o.transport.connect(coordinatorPeerId(this.#o.room), { timeoutMs: this.#o.connectTimeoutMs ?? 15_000 });
    } catch (error) {
      this.#set({ state: 'closed', error: `could not reach the coordinator of room ${this.#o.room}: ${(error as Error).message}` });
      return;
    }
    this.#link = link;
    link.onClose((reason) => {
      if (this.state !== 'rejected') this.#set({ state: 'closed', error: this.error || `the link to the coordinator closed (${reason}): reload the page` });
    });
    link.onMessage((payload) => this.#onMessage(payload));
    this.#nonce = newNonce();
    this.#set({ state: 'verifying' });
    this.#send({ kind: 'tenant-hello', protocolVersion: PROTOCOL_VERSION, tenantId: this.#o.tenantId, nonce: this.#nonce });
  }

  #send(message: TenantMessage): void {
    if (this.#link && !this.#link.closed) this.#link.send(encodeTenantMessage(message));
  }

  #onMessage(payload: unknown): void {
    let message;
    try {
      message = parseCoordinatorTenantMessage(payload);
    } catch (error) {
      this.droppedMessages++;
      if (!(error instanceof ProtocolError)) throw error;
      return;
    }
    switch (message.kind) {
      case 'tenant-challenge': {
        if (this.state !== 'verifying') return;
        const verdict = verifyTenantChallenge(this.#o.coordinatorFingerprint, message.coordinatorKey, message.signature, {
          room: this.#o.room, tenantId: this.#o.tenantId, tenantNonce: this.#nonce, coordinatorNonce: message.coordinatorNonce, protocolVersion: message.protocolVersion,
        });
        if (!verdict.ok) {
          // The secret never leaves this page for a coordinator that is not the link's.
          this.#set({ state: 'rejected', error: `this is not the coordinator of the tenant link: ${verdict.reason}` });
          this.#link?.close();
          return;
        }
        this.#send({ kind: 'tenant-auth', secret: this.#o.secret });
        return;
      }
      case 'tenant-welcome':
        if (this.state === 'verifying' && message.tenantId === this.#o.tenantId) this.#set({ state: 'admitted', name: message.name, models: message.models });
        return;
      case 'tenant-reject':
        this.#set({ state: 'rejected', error: message.reason });
        return;
      case 'tenant-error':
        this.#set({ submitError: message.message });
        return;
      case 'tenant-status':
        if (this.state === 'admitted' && message.tenant.tenantId === this.#o.tenantId) this.#set({ status: message });
        return;
    }
  }

  /** Ask for `inferences` of `model`; throws TenantInputError for what the coordinator would refuse anyway. */
  submit(model: string, inferences: number): void {
    if (this.state !== 'admitted') throw new TenantInputError(`not admitted by the coordinator (${this.state})`);
    if (!model || model.length > MAX_MODEL_NAME || !this.models.includes(model)) throw new TenantInputError(`pick a model the coordinator offers: ${this.models.join(', ')}`);
    if (!Number.isInteger(inferences) || inferences < TENANT_INFERENCES.min || inferences > TENANT_INFERENCES.max) {
      throw new TenantInputError(`inferences must be a whole number from ${TENANT_INFERENCES.min} to ${TENANT_INFERENCES.max}, got ${inferences}`);
    }
    this.#set({ submitError: '' });
    this.#send({ kind: 'tenant-submit', model, inferences });
  }

  stop(): void {
    this.#link?.close();
  }
}
