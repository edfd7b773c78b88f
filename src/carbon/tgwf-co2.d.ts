/**
 * Types for the part of @tgwf/co2 (0.19.0, ships no .d.ts) this folder reads: the `./data`
 * subpath export. Shapes checked against node_modules/@tgwf/co2/dist/esm/data/*.js:
 * - `averageIntensity.data` maps alpha-3 codes and region names (`WORLD`, `EU`) to numbers (Ember,
 *   latest year per country; the year is not shipped);
 * - `marginalIntensity.data` maps alpha-3 codes to numeric strings (UNFCCC IFI grid factors,
 *   `marginalIntensity.year` = "2021");
 * - `electricityMaps.yearlyYYYY.data` (2021-2025) maps Electricity Maps zone ids (`FR`,
 *   `US-CAL-CISO`, `NO-NO1`) to `{ zone: { zoneName, countryName? }, carbonIntensity: { value, unit } }`.
 */
declare module '@tgwf/co2/data' {
  interface IntensityTable<T> {
    readonly data: Readonly<Record<string, T>>;
    readonly type: 'average' | 'marginal';
    readonly year?: string;
  }
  interface ElectricityMapsZoneYear {
    readonly zone: { readonly zoneName: string; readonly countryName?: string };
    readonly carbonIntensity: { readonly value: number; readonly unit: string };
  }
  interface ElectricityMapsYear {
    readonly data: Readonly<Record<string, ElectricityMapsZoneYear>>;
    readonly methodology: string;
  }
  export const averageIntensity: IntensityTable<number>;
  export const marginalIntensity: IntensityTable<string | number>;
  export const electricityMaps: {
    readonly yearly2021: ElectricityMapsYear;
    readonly yearly2022: ElectricityMapsYear;
    readonly yearly2023: ElectricityMapsYear;
    readonly yearly2024: ElectricityMapsYear;
    readonly yearly2025: ElectricityMapsYear;
  };
}
