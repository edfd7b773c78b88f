/**
 * Guess a node's grid zone from its IANA time zone (`Intl.DateTimeFormat().resolvedOptions()
 * .timeZone`). A time zone is a weak clue (Europe/Berlin is also used outside Germany; UTC says
 * nothing), so the answer is labelled and the UI lets the user change it.
 *
 * The table maps common IANA zones to ISO 3166-1 alpha-2 countries, following the country column
 * of the IANA tz database's zone1970.tab / zone.tab for each zone's principal country. Unlisted
 * zones fall back to `WORLD` (the bundled world average), labelled as such.
 */
import { canonicalCountryCode } from './country-codes';

// IANA zone (without continent prefix where grouped) -> alpha-2.
const EUROPE =
  'Amsterdam:NL Andorra:AD Athens:GR Belgrade:RS Berlin:DE Bratislava:SK Brussels:BE Bucharest:RO ' +
  'Budapest:HU Chisinau:MD Copenhagen:DK Dublin:IE Gibraltar:GI Helsinki:FI Istanbul:TR Kaliningrad:RU ' +
  'Kiev:UA Kyiv:UA Lisbon:PT Ljubljana:SI London:GB Luxembourg:LU Madrid:ES Malta:MT Minsk:BY Monaco:MC ' +
  'Moscow:RU Oslo:NO Paris:FR Podgorica:ME Prague:CZ Riga:LV Rome:IT Samara:RU Sarajevo:BA Skopje:MK ' +
  'Sofia:BG Stockholm:SE Tallinn:EE Tirane:AL Vienna:AT Vilnius:LT Warsaw:PL Zagreb:HR Zurich:CH ' +
  'Belfast:GB Isle_of_Man:IM Jersey:JE Guernsey:GG San_Marino:SM Vatican:VA Vaduz:LI Mariehamn:AX';
const AMERICA =
  'New_York:US Chicago:US Denver:US Los_Angeles:US Phoenix:US Anchorage:US Detroit:US Boise:US ' +
  'Indiana/Indianapolis:US Kentucky/Louisville:US Toronto:CA Vancouver:CA Edmonton:CA Winnipeg:CA ' +
  'Halifax:CA St_Johns:CA Regina:CA Mexico_City:MX Monterrey:MX Tijuana:MX Cancun:MX Guatemala:GT ' +
  'El_Salvador:SV Tegucigalpa:HN Managua:NI Costa_Rica:CR Panama:PA Havana:CU Jamaica:JM ' +
  'Santo_Domingo:DO Puerto_Rico:PR Port-au-Prince:HT Bogota:CO Caracas:VE Lima:PE Guayaquil:EC ' +
  'La_Paz:BO Santiago:CL Argentina/Buenos_Aires:AR Buenos_Aires:AR Montevideo:UY Asuncion:PY ' +
  'Sao_Paulo:BR Manaus:BR Fortaleza:BR Recife:BR Bahia:BR Belem:BR Cayenne:GF Paramaribo:SR ' +
  'Guyana:GY Barbados:BB Martinique:MQ Guadeloupe:GP Port_of_Spain:TT Nuuk:GL Godthab:GL';
const ASIA =
  'Tokyo:JP Seoul:KR Pyongyang:KP Shanghai:CN Chongqing:CN Urumqi:CN Hong_Kong:HK Macau:MO Taipei:TW ' +
  'Manila:PH Singapore:SG Kuala_Lumpur:MY Jakarta:ID Makassar:ID Jayapura:ID Bangkok:TH ' +
  'Ho_Chi_Minh:VN Saigon:VN Phnom_Penh:KH Vientiane:LA Yangon:MM Rangoon:MM Dhaka:BD ' +
  'Kolkata:IN Calcutta:IN Kathmandu:NP Thimphu:BT Colombo:LK Karachi:PK Kabul:AF Tashkent:UZ ' +
  'Almaty:KZ Bishkek:KG Dushanbe:TJ Ashgabat:TM Tehran:IR Baghdad:IQ Riyadh:SA Dubai:AE Muscat:OM ' +
  'Qatar:QA Bahrain:BH Kuwait:KW Amman:JO Beirut:LB Damascus:SY Jerusalem:IL Tel_Aviv:IL Gaza:PS ' +
  'Hebron:PS Nicosia:CY Tbilisi:GE Yerevan:AM Baku:AZ Ulaanbaatar:MN Novosibirsk:RU ' +
  'Yekaterinburg:RU Vladivostok:RU Brunei:BN Dili:TL Aden:YE';
const AFRICA =
  'Cairo:EG Johannesburg:ZA Lagos:NG Nairobi:KE Casablanca:MA Algiers:DZ Tunis:TN Tripoli:LY ' +
  'Khartoum:SD Addis_Ababa:ET Accra:GH Abidjan:CI Dakar:SN Kinshasa:CD Lubumbashi:CD Luanda:AO ' +
  'Maputo:MZ Harare:ZW Lusaka:ZM Kampala:UG Dar_es_Salaam:TZ Kigali:RW Windhoek:NA Gaborone:BW ' +
  'Bamako:ML Ouagadougou:BF Niamey:NE Ndjamena:TD Douala:CM Libreville:GA Brazzaville:CG ' +
  'Mogadishu:SO Djibouti:DJ Asmara:ER Juba:SS Maseru:LS Mbabane:SZ Blantyre:MW Conakry:GN ' +
  'Freetown:SL Monrovia:LR Lome:TG Porto-Novo:BJ Nouakchott:MR Banjul:GM Bissau:GW';
const OTHER =
  'Australia/Sydney:AU Australia/Melbourne:AU Australia/Brisbane:AU Australia/Perth:AU ' +
  'Australia/Adelaide:AU Australia/Hobart:AU Australia/Darwin:AU Pacific/Auckland:NZ Pacific/Fiji:FJ ' +
  'Pacific/Port_Moresby:PG Pacific/Guam:GU Pacific/Honolulu:US Pacific/Noumea:NC Pacific/Tahiti:PF ' +
  'Atlantic/Reykjavik:IS Atlantic/Canary:ES Atlantic/Azores:PT Atlantic/Madeira:PT Atlantic/Faroe:FO ' +
  'Atlantic/Cape_Verde:CV Indian/Mauritius:MU Indian/Reunion:RE Indian/Maldives:MV ' +
  'Indian/Antananarivo:MG US/Eastern:US US/Central:US US/Mountain:US US/Pacific:US ' +
  'Canada/Eastern:CA Canada/Pacific:CA GB:GB Japan:JP Singapore:SG Hongkong:HK Israel:IL Poland:PL ' +
  'Portugal:PT Turkey:TR Egypt:EG Iceland:IS Eire:IE NZ:NZ PRC:CN ROK:KR ROC:TW';

function build(): Map<string, string> {
  const table = new Map<string, string>();
  const add = (prefix: string, list: string) => {
    for (const entry of list.split(' ')) {
      const cut = entry.lastIndexOf(':');
      table.set(`${prefix}${entry.slice(0, cut)}`, entry.slice(cut + 1));
    }
  };
  add('Europe/', EUROPE);
  add('America/', AMERICA);
  add('Asia/', ASIA);
  add('Africa/', AFRICA);
  add('', OTHER);
  return table;
}

const ZONE_BY_TIME_ZONE = build();

/** Zone used when the time zone tells nothing (UTC, unlisted): the bundled world average. */
export const FALLBACK_ZONE = 'WORLD';

/** A labelled zone guess. */
export interface ZoneGuess {
  /** Alpha-2 country, or {@link FALLBACK_ZONE}. */
  readonly zone: string;
  /** `time-zone` when the table knew it, `fallback` otherwise. */
  readonly basis: 'time-zone' | 'fallback';
  /** One line for the UI: `guessed from time zone Europe/Paris` or why it fell back. */
  readonly label: string;
}

/** Guess the zone of an IANA time zone, with a label saying how (see the file comment). */
export function guessZoneFromTimeZone(timeZone: string | undefined): ZoneGuess {
  const tz = (timeZone ?? '').trim();
  const country = ZONE_BY_TIME_ZONE.get(tz);
  if (country !== undefined && canonicalCountryCode(country) !== undefined) {
    return { zone: country, basis: 'time-zone', label: `guessed from time zone ${tz}` };
  }
  const why = tz === '' ? 'no time zone given' : `time zone "${tz}" does not name a country`;
  return { zone: FALLBACK_ZONE, basis: 'fallback', label: `${why}: using the world average` };
}

/** `zoneFromTimeZone('Europe/Paris') -> 'FR'`; unknown or UTC -> `WORLD` (see guessZoneFromTimeZone for the label). */
export function zoneFromTimeZone(timeZone: string | undefined): string {
  return guessZoneFromTimeZone(timeZone).zone;
}

/** Every time zone in the table (for tests and docs). */
export function knownTimeZones(): string[] {
  return [...ZONE_BY_TIME_ZONE.keys()].sort();
}
