import { describe, expect, it } from 'vitest';
import { CliError, flagList, flagNumber, parseArgs } from '../../../src/cli/args';
import { main } from '../../../src/cli/main';

const spec = { stages: { type: 'string', help: '' }, input: { type: 'multi', help: '' }, pareto: { type: 'boolean', help: '' } } as const;

describe('CLI arguments', () => {
  it('parses values, repeatable flags, booleans and positionals', () => {
    const args = parseArgs(['model.onnx', '--stages', '3', '--input=x=1x3', '--input', 'y=2', '--pareto', '--json'], spec);
    expect(args.positionals).toEqual(['model.onnx']);
    expect(flagNumber(args, 'stages', { min: 1, integer: true })).toBe(3);
    expect(flagList(args, 'input')).toEqual(['x=1x3', 'y=2']);
    expect(args.flags.pareto).toBe(true);
    expect(args.flags.json).toBe(true);
  });

  it('gives one-line reasons for bad input', () => {
    expect(() => parseArgs(['--nope'], spec)).toThrow(new CliError('unknown option --nope (see --help)'));
    expect(() => parseArgs(['--stages'], spec)).toThrow(/--stages needs a value/);
    expect(() => parseArgs(['--pareto=1'], spec)).toThrow(/takes no value/);
    expect(() => flagNumber(parseArgs(['--stages', 'two'], spec), 'stages')).toThrow(/must be a number, got "two"/);
    expect(() => flagNumber(parseArgs(['--stages', '0'], spec), 'stages', { min: 1 })).toThrow(/must be >= 1/);
  });

  it('main exits 2 with one line for an unknown command', async () => {
    const err: string[] = [];
    const code = await main(['frobnicate'], { out: () => undefined, err: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/unknown command "frobnicate"/);
  });
});
