/**
 * Types for the part of @tgwf/co2 (0.19.0, ships no .d.ts) this folder reads: the `./data`
 * subpath export. Shapes checked against node_modules/@tgwf/co2/dist/esm/data/*.min.js:
 * `averageIntensity.data` maps alpha-3 codes and region names (`WORLD`, `EU`) to numbers
 * (Ember, latest year per country); `marginalIntensity.data` maps alpha-3 codes to numeric
 * strings (UNFCCC IFI grid factors, 2021).
 */
declare module '@tgwf/co2/data' {
  interface IntensityTable<T> {
    readonly data: Readonly<Record<string, T>>;
    readonly type: 'average' | 'marginal';
  }
  export const averageIntensity: IntensityTable<number>;
  export const marginalIntensity: IntensityTable<string | number>;
}
