/**
 * Where a geo-targeted connection exits in the sandbox. A real upstream
 * routes a login that names a country through a device in that country, and
 * a "what is my IP" service (ipinfo.io) then names that country for the exit
 * IP. The sandbox has only loopback, so each country gets an address of its
 * own in 127.255.0.0/16 (clear of the endpoints' 127.1–127.254 range), built
 * from the two letters of its ISO code, and the sandbox's check endpoint
 * reads the country back from the address. On Linux every 127.x.y.z is
 * loopback; elsewhere there is no such address and a targeted login exits
 * like any other.
 */

const COUNTRY_CODE = /^[a-z]{2}$/i;
const COUNTRY_ADDRESS = /^127\.255\.(\d{1,3})\.(\d{1,3})$/;
const A = 'a'.charCodeAt(0);
const Z = 'z'.charCodeAt(0);

/** The loopback address a connection targeted at `countryCode` exits from; undefined off Linux or for a code that is not two letters. */
export function countryExitAddress(countryCode: string): string | undefined {
  if (process.platform !== 'linux' || !COUNTRY_CODE.test(countryCode)) return undefined;
  const code = countryCode.toLowerCase();
  return `127.255.${code.charCodeAt(0)}.${code.charCodeAt(1)}`;
}

/** The upper-case ISO code of a country exit address (as ipinfo.io's `country`), or undefined for any other address. */
export function countryOfExitAddress(ip: string): string | undefined {
  const match = COUNTRY_ADDRESS.exec(ip);
  if (!match) return undefined;
  const letters = [Number(match[1]), Number(match[2])];
  if (letters.some((n) => n < A || n > Z)) return undefined;
  return String.fromCharCode(...letters).toUpperCase();
}
