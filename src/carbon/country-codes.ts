/**
 * ISO 3166-1 alpha-2 <-> alpha-3 country codes, for zones. @tgwf/co2 keys its Ember table by
 * alpha-3 (`FRA`); browsers, time zones and Electricity Maps speak alpha-2 (`FR`). Both are
 * accepted everywhere; alpha-2 is canonical. Covers every country in the bundled tables plus a few
 * small territories. `XK`/`XKX` (Kosovo) is a user-assigned code used by Ember.
 */

// alpha-2 followed by alpha-3, space separated pairs; written out from ISO 3166-1.
const PAIRS =
  'AW:ABW AF:AFG AO:AGO AL:ALB AE:ARE AR:ARG AM:ARM AS:ASM AG:ATG AU:AUS AT:AUT AZ:AZE BI:BDI ' +
  'BE:BEL BJ:BEN BF:BFA BD:BGD BG:BGR BH:BHR BS:BHS BA:BIH BY:BLR BZ:BLZ BO:BOL BR:BRA BB:BRB ' +
  'BN:BRN BT:BTN BW:BWA CF:CAF CA:CAN CH:CHE CL:CHL CN:CHN CI:CIV CM:CMR CD:COD CG:COG CK:COK ' +
  'CO:COL KM:COM CV:CPV CR:CRI CU:CUB KY:CYM CY:CYP CZ:CZE DE:DEU DJ:DJI DM:DMA DK:DNK DO:DOM ' +
  'DZ:DZA EC:ECU EG:EGY ER:ERI ES:ESP EE:EST ET:ETH FI:FIN FJ:FJI FK:FLK FR:FRA FO:FRO GA:GAB ' +
  'GB:GBR GE:GEO GH:GHA GN:GIN GP:GLP GM:GMB GW:GNB GQ:GNQ GR:GRC GD:GRD GL:GRL GT:GTM GF:GUF ' +
  'GU:GUM GY:GUY HK:HKG HN:HND HR:HRV HT:HTI HU:HUN ID:IDN IN:IND IE:IRL IR:IRN IQ:IRQ IS:ISL ' +
  'IL:ISR IT:ITA JM:JAM JO:JOR JP:JPN KZ:KAZ KE:KEN KG:KGZ KH:KHM KI:KIR KN:KNA KR:KOR KW:KWT ' +
  'LA:LAO LB:LBN LR:LBR LY:LBY LC:LCA LK:LKA LS:LSO LT:LTU LU:LUX LV:LVA MO:MAC MA:MAR MD:MDA ' +
  'MG:MDG MV:MDV MX:MEX MK:MKD ML:MLI MT:MLT MM:MMR ME:MNE MN:MNG MZ:MOZ MR:MRT MS:MSR MQ:MTQ ' +
  'MU:MUS MW:MWI MY:MYS NA:NAM NC:NCL NE:NER NG:NGA NI:NIC NL:NLD NO:NOR NP:NPL NR:NRU NZ:NZL ' +
  'OM:OMN PK:PAK PA:PAN PE:PER PH:PHL PG:PNG PL:POL PR:PRI KP:PRK PT:PRT PY:PRY PS:PSE PF:PYF ' +
  'QA:QAT RE:REU RO:ROU RU:RUS RW:RWA SA:SAU SD:SDN SN:SEN SG:SGP SB:SLB SL:SLE SV:SLV SO:SOM ' +
  'PM:SPM RS:SRB SS:SSD ST:STP SR:SUR SK:SVK SI:SVN SE:SWE SZ:SWZ SC:SYC SY:SYR TC:TCA TD:TCD ' +
  'TG:TGO TH:THA TJ:TJK TM:TKM TO:TON TT:TTO TN:TUN TR:TUR TW:TWN TZ:TZA UG:UGA UA:UKR UY:URY ' +
  'US:USA UZ:UZB VC:VCT VE:VEN VG:VGB VI:VIR VN:VNM VU:VUT WS:WSM XK:XKX YE:YEM ZA:ZAF ZM:ZMB ' +
  'ZW:ZWE AD:AND AI:AIA BM:BMU BQ:BES LI:LIE MC:MCO SM:SMR VA:VAT CW:CUW SX:SXM EH:ESH TL:TLS ' +
  'FM:FSM MH:MHL PW:PLW TV:TUV NU:NIU IM:IMN JE:JEY GG:GGY GI:GIB AX:ALA YT:MYT';

const alpha3ByAlpha2 = new Map<string, string>();
const alpha2ByAlpha3 = new Map<string, string>();
for (const pair of PAIRS.split(' ')) {
  const [alpha2, alpha3] = pair.split(':') as [string, string];
  alpha3ByAlpha2.set(alpha2, alpha3);
  alpha2ByAlpha3.set(alpha3, alpha2);
}

/** Common non-ISO spellings: `UK` for GB, `EL` (EU usage) for Greece. */
const ALIASES: Readonly<Record<string, string>> = { UK: 'GB', EL: 'GR' };

/** Alpha-3 for an alpha-2 code (`FR` -> `FRA`), or undefined. */
export function alpha3FromAlpha2(alpha2: string): string | undefined {
  return alpha3ByAlpha2.get(alpha2.toUpperCase());
}

/** Alpha-2 for an alpha-3 code (`FRA` -> `FR`), or undefined. */
export function alpha2FromAlpha3(alpha3: string): string | undefined {
  return alpha2ByAlpha3.get(alpha3.toUpperCase());
}

/**
 * Canonical alpha-2 for a country code in either form or a known alias (`fr`, `FRA`, `UK`);
 * undefined when it is not a country code this table knows.
 */
export function canonicalCountryCode(code: string): string | undefined {
  const upper = code.trim().toUpperCase();
  const aliased = ALIASES[upper] ?? upper;
  if (aliased.length === 2) return alpha3ByAlpha2.has(aliased) ? aliased : undefined;
  if (aliased.length === 3) return alpha2ByAlpha3.get(aliased);
  return undefined;
}

/** Every alpha-2 code in the table, sorted. */
export function knownAlpha2Codes(): string[] {
  return [...alpha3ByAlpha2.keys()].sort();
}
