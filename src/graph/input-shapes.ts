/** Binding dynamic input dimensions to the concrete shape a user gives (`NAME=1x3x224x224`). */
import { InputShapeError } from './errors';
import { declaredDims, type ModelIndex } from './model-index';

/** A user-given input shape. `name` is undefined for the short form `1x3x224x224`. */
export interface InputShapeSpec {
  /** Graph input name, or undefined when the model has a single input. */
  readonly name: string | undefined;
  /** Concrete dims. */
  readonly dims: readonly number[];
}

/** Parse `NAME=1x3x224x224` (or `1x3x224x224`; a scalar is `NAME=`). */
export function parseInputShape(text: string): InputShapeSpec {
  const eq = text.lastIndexOf('=');
  const name = eq >= 0 ? text.slice(0, eq) : undefined;
  const dimsText = eq >= 0 ? text.slice(eq + 1) : text;
  const parts = dimsText === '' ? [] : dimsText.split(/[x,]/);
  const dims = parts.map((p) => Number(p));
  if (dims.some((d) => !Number.isInteger(d) || d < 1) || (eq < 0 && parts.length === 0)) {
    throw new InputShapeError(`input shape "${text}" must look like NAME=1x3x224x224 (positive whole dims)`);
  }
  return { name: name === '' ? undefined : name, dims };
}

/**
 * Concrete dims for every real graph input: declared fixed dims, overridden or completed by the
 * user's shapes. Fixed dims must match what the user gives.
 *
 * @throws InputShapeError for an unknown name, a rank or fixed-dim mismatch, or dynamic dims left unbound
 */
export function bindInputShapes(index: ModelIndex, given: readonly InputShapeSpec[]): Map<string, number[]> {
  const names = index.graphInputs.map((v) => v.name ?? '');
  const byName = new Map<string, readonly number[]>();
  for (const spec of given) {
    let name = spec.name;
    if (name === undefined) {
      if (names.length !== 1) throw new InputShapeError(`model has ${names.length} inputs (${names.join(', ')}); name the one you mean: NAME=${spec.dims.join('x')}`);
      name = names[0]!;
    }
    if (!names.includes(name)) throw new InputShapeError(`model has no input "${name}" (inputs: ${names.join(', ')})`);
    byName.set(name, spec.dims);
  }
  const bound = new Map<string, number[]>();
  for (const v of index.graphInputs) {
    const name = v.name ?? '';
    const declared = declaredDims(v);
    const user = byName.get(name);
    if (user) {
      if (declared && declared.length !== user.length) {
        throw new InputShapeError(`input "${name}" has rank ${declared.length} [${showDims(declared)}], got ${user.length} dims [${user.join('x')}]`);
      }
      declared?.forEach((d, i) => {
        if (typeof d === 'number' && d !== user[i]) {
          throw new InputShapeError(`input "${name}" dim ${i} is fixed at ${d}, got ${user[i]} ([${showDims(declared)}] vs ${user.join('x')})`);
        }
      });
      bound.set(name, [...user]);
      continue;
    }
    if (!declared || declared.some((d) => typeof d !== 'number')) {
      const hint = (declared ?? []).map((d) => (typeof d === 'number' ? d : '?')).join('x');
      throw new InputShapeError(`input "${name}" has dynamic dims [${declared ? showDims(declared) : 'unknown rank'}]; give --input ${name}=${hint || '1x3x224x224'} with a number for each ?`);
    }
    bound.set(name, declared as number[]);
  }
  return bound;
}

function showDims(dims: readonly (number | string | undefined)[]): string {
  return dims.map((d) => (d === undefined ? '?' : String(d))).join(',');
}
