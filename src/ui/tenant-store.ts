/**
 * The coordinator's tenants (issue 15): the teacher adds a tenant (name, budget in gCO2e) and gets
 * its tenant link, `?room=R&tenant=ID&tkey=SECRET&fp=FP` on the join URL's origin. Tenants, with
 * their secrets, are kept in this tab's sessionStorage with the room, so a coordinator reload keeps
 * them and their links stay valid, with the grams each has spent (so a reload does not refill a
 * budget); secrets never go into exports. Pure apart from the Storage given.
 */
import { toBase64Url } from '../trust/encoding';
import { randomBytes } from '../trust/identity';
import { MAX_TENANT_GRAMS, MAX_TENANT_NAME, TENANT_ID_RE, TENANT_SECRET_RE } from '../protocol/tenant-messages';

/** A tenant as the coordinator keeps it. */
export interface StoredTenant {
  readonly tenantId: string;
  readonly name: string;
  readonly budgetGramsCo2: number;
  /** The tenant link's secret (16 random bytes, base64url). */
  readonly secret: string;
  /** Grams the tenant's settled batches measured, kept so a coordinator reload does not refill its budget. */
  readonly spentGramsCo2: number;
}

/** Most tenants one room keeps. */
export const MAX_TENANTS = 50;

/** Where a room's tenants are kept (sessionStorage: per tab, kept across reloads). */
export const tenantStorageName = (room: string) => `carbonedge-tenants-${room}`;

/** A tenant the teacher typed that cannot be added. */
export class TenantInputProblem extends Error {
  override name = 'TenantInputProblem';
}

/** 16 random bytes from crypto.getRandomValues, base64url (22 characters). */
export function newTenantSecret(): string {
  return toBase64Url(randomBytes(16));
}

/** A fresh tenant id (10 lowercase letters and digits). */
export function newTenantId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
}

/** Check what the teacher typed and make the tenant, or throw TenantInputProblem saying what is wrong. */
export function makeTenant(nameText: string, budgetText: string, existing: readonly StoredTenant[]): StoredTenant {
  const name = nameText.trim();
  if (name === '') throw new TenantInputProblem('give the tenant a name (e.g. the group\'s name)');
  if (name.length > MAX_TENANT_NAME) throw new TenantInputProblem(`the name has ${name.length} characters, at most ${MAX_TENANT_NAME}`);
  if (existing.some((t) => t.name === name)) throw new TenantInputProblem(`a tenant is already named "${name}"`);
  if (existing.length >= MAX_TENANTS) throw new TenantInputProblem(`this room has ${existing.length} tenants, the most it keeps`);
  const budgetTrimmed = budgetText.trim();
  const budget = Number(budgetTrimmed);
  if (budgetTrimmed === '' || !Number.isFinite(budget)) throw new TenantInputProblem(`the budget must be a number of grams CO2e, got "${budgetText.slice(0, 40)}"`);
  if (!(budget > 0) || budget > MAX_TENANT_GRAMS) throw new TenantInputProblem(`the budget must be more than 0 and at most ${MAX_TENANT_GRAMS} g CO2e, got ${budget}`);
  let tenantId = newTenantId();
  while (existing.some((t) => t.tenantId === tenantId)) tenantId = newTenantId();
  return { tenantId, name, budgetGramsCo2: budget, secret: newTenantSecret(), spentGramsCo2: 0 };
}

function isStored(v: unknown): v is StoredTenant {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return typeof t.tenantId === 'string' && TENANT_ID_RE.test(t.tenantId)
    && typeof t.name === 'string' && t.name.length > 0 && t.name.length <= MAX_TENANT_NAME
    && typeof t.budgetGramsCo2 === 'number' && t.budgetGramsCo2 > 0 && t.budgetGramsCo2 <= MAX_TENANT_GRAMS
    && typeof t.secret === 'string' && TENANT_SECRET_RE.test(t.secret)
    && typeof t.spentGramsCo2 === 'number' && t.spentGramsCo2 >= 0 && t.spentGramsCo2 <= MAX_TENANT_GRAMS;
}

/** The room's tenants from `storage` (entries that do not parse are left out). */
export function loadTenants(storage: Pick<Storage, 'getItem'>, room: string): StoredTenant[] {
  try {
    const value = JSON.parse(storage.getItem(tenantStorageName(room)) ?? '[]') as unknown;
    if (!Array.isArray(value)) return [];
    const out: StoredTenant[] = [];
    for (const t of value.slice(0, MAX_TENANTS)) {
      if (isStored(t) && !out.some((o) => o.tenantId === t.tenantId)) out.push({ tenantId: t.tenantId, name: t.name, budgetGramsCo2: t.budgetGramsCo2, secret: t.secret, spentGramsCo2: t.spentGramsCo2 });
    }
    return out;
  } catch {
    return [];
  }
}

/** Keep the room's tenants in `storage`. */
export function saveTenants(storage: Pick<Storage, 'setItem'>, room: string, tenants: readonly StoredTenant[]): void {
  storage.setItem(tenantStorageName(room), JSON.stringify(tenants));
}

/** A tenant's link: the coordinator's app URL (the join URL's origin) with room, tenant, secret and fingerprint. */
export function tenantLink(joinUrl: string, room: string, tenant: Pick<StoredTenant, 'tenantId' | 'secret'>, fingerprint: string): string {
  const url = new URL('/', joinUrl);
  url.searchParams.set('room', room);
  url.searchParams.set('tenant', tenant.tenantId);
  url.searchParams.set('tkey', tenant.secret);
  url.searchParams.set('fp', fingerprint);
  return url.href;
}
