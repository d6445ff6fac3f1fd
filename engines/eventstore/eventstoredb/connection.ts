import { EventStoreUnavailableError, translateError } from './errors.js';

/**
 * Validation of the EventStoreDB connection string before it reaches the client, so a typo is
 * a clear start-up error naming the setting — and never an error that quotes the password
 * (the client's own parse errors echo the string, and it reads a password containing '@' as
 * part of the host name).
 */

export interface ConnectionTarget {
  readonly scheme: 'esdb' | 'esdb+discover';
  readonly hosts: readonly { readonly host: string; readonly port: number }[];
  readonly username: string | null;
  /** TLS is on unless the string says tls=false (the client's default). */
  readonly tls: boolean;
  /** Whether the string chose TLS explicitly (a TLS mismatch then needs no hint). */
  readonly tlsExplicit: boolean;
  /** The connection string with the password replaced by ***, safe for messages and logs. */
  readonly redacted: string;
  /** The forms the password may take in the string (raw and decoded), to scrub from messages. */
  readonly secrets: readonly string[];
}

export class InvalidConnectionStringError extends TypeError {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`${setting} is not a valid EventStoreDB connection string: ${reason}`);
    this.name = 'InvalidConnectionStringError';
  }
}

/** The client's query options, compared as it compares them (case, '-' and '_' ignored). */
const KNOWN_OPTIONS = [
  'connectionName', 'maxDiscoverAttempts', 'discoveryInterval', 'gossipTimeout', 'nodePreference', 'tls', 'tlsVerifyCert',
  'tlsCAFile', 'userCertFile', 'userKeyFile', 'defaultDeadline', 'keepAliveInterval', 'keepAliveTimeout',
];
const flat = (key: string) => key.trim().toLowerCase().replace(/[_-]/g, '');
const OPTION_BY_FLAT_KEY = new Map(KNOWN_OPTIONS.map((option) => [flat(option), option]));
/** Characters the client refuses in a host name. */
const HOST_PATTERN = /^[^$+!?*'(),;[\]{}|"%~#<>=&@\s/:]+$/;

export function parseConnectionString(raw: unknown, setting = 'NEXUS_EVENTSTORE_URL'): ConnectionTarget {
  const fail = (reason: string): never => {
    throw new InvalidConnectionStringError(setting, reason);
  };
  if (typeof raw !== 'string' || raw.trim() === '') return fail('it is empty');
  const url = raw.trim().replace(/\/+$/, '');
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  const scheme = schemeMatch?.[1]?.toLowerCase();
  if (scheme === undefined) return fail('expected esdb://host:2113 or esdb+discover://host:2113');
  if (scheme !== 'esdb' && scheme !== 'esdb+discover') {
    const hint = scheme.startsWith('kurrent') ? ' (the installed @eventstore/db-client 6 speaks the same protocol to KurrentDB: write esdb://)' : '';
    return fail(`it starts with '${scheme}://', expected esdb:// or esdb+discover://${hint}`);
  }
  const rest = url.slice(schemeMatch![0].length);
  const queryAt = rest.indexOf('?');
  const authority = (queryAt === -1 ? rest : rest.slice(0, queryAt)).replace(/\/+$/, '');
  const query = queryAt === -1 ? '' : rest.slice(queryAt + 1);

  const { userinfo, hostList } = splitUserinfo(authority, fail);
  const credentials = userinfo === null ? null : parseCredentials(userinfo, fail);
  const hosts = hostList.split(',').map((entry) => parseHost(entry, fail));
  const { tls, tlsExplicit } = parseQuery(query, fail);
  const redactedUser = credentials === null ? '' : `${encodeURIComponent(credentials.username)}:***@`;
  return {
    scheme,
    hosts,
    username: credentials?.username ?? null,
    tls,
    tlsExplicit,
    redacted: `${scheme}://${redactedUser}${hostList}${query === '' ? '' : `?${query}`}`,
    secrets: credentials === null ? [] : [...new Set([credentials.rawPassword, credentials.password])].filter((secret) => secret !== ''),
  };
}

/** Replaces every form of the password in a message (error texts of gRPC or DNS may echo the host part). */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  return secrets.reduce((text, secret) => text.split(secret).join('***'), message);
}

/**
 * The start-up error for a server that did not answer (or refused us): it names the setting
 * and the connection string without its password, says what went wrong, and hints at the
 * usual causes. The client's error is not kept as the cause: its text has been scrubbed here.
 */
export function describeStartupFailure(setting: string, target: ConnectionTarget, error: unknown, timeoutMs: number): EventStoreUnavailableError {
  const translated = translateError(error, { operation: 'connect' });
  const failure = translated instanceof EventStoreUnavailableError ? translated.failure : 'server';
  const reason = scrubSecrets(translated instanceof EventStoreUnavailableError ? translated.detail : translated.message, target.secrets);
  const hints: Record<string, string> = {
    connection: target.tlsExplicit ? '' : ' (a server started with --insecure needs ?tls=false)',
    timeout: ' (is the host reachable, and the port the gRPC port, usually 2113?)',
    access_denied: ' (check the username and password in the connection string)',
    server: /UNIMPLEMENTED|404/.test(reason) ? ' (is this the gRPC port of an EventStoreDB node, usually 2113?)' : '',
  };
  const what: Record<string, string> = { timeout: `did not answer within ${timeoutMs} ms`, connection: 'could not be reached', access_denied: 'refused access' };
  return new EventStoreUnavailableError('connect', failure, `${setting} (${target.redacted}) ${what[failure] ?? 'failed'}: ${reason}${hints[failure] ?? ''}`);
}

function splitUserinfo(authority: string, fail: (reason: string) => never): { userinfo: string | null; hostList: string } {
  const at = authority.indexOf('@');
  if (at === -1) return { userinfo: null, hostList: authority };
  if (authority.indexOf('@', at + 1) !== -1) fail("the credentials contain '@': percent-encode it as %40");
  return { userinfo: authority.slice(0, at), hostList: authority.slice(at + 1) };
}

function parseCredentials(userinfo: string, fail: (reason: string) => never) {
  const colon = userinfo.indexOf(':');
  if (colon <= 0 || colon === userinfo.length - 1) return fail('credentials must be written username:password@');
  const rawPassword = userinfo.slice(colon + 1);
  if (rawPassword.includes(':')) fail("the password contains ':': percent-encode it as %3A");
  const decode = (text: string, what: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return fail(`the ${what} is not valid percent-encoding`);
    }
  };
  return { username: decode(userinfo.slice(0, colon), 'username'), password: decode(rawPassword, 'password'), rawPassword };
}

function parseHost(entry: string, fail: (reason: string) => never): { host: string; port: number } {
  const [host = '', port = '2113', ...extra] = entry.trim().split(':');
  if (host === '' || !HOST_PATTERN.test(host) || extra.length > 0) return fail(`'${entry}' is not a host or host:port`);
  const portNumber = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(portNumber >= 1 && portNumber <= 65535)) return fail(`'${port}' is not a port number`);
  return { host, port: portNumber };
}

function parseQuery(query: string, fail: (reason: string) => never): { tls: boolean; tlsExplicit: boolean } {
  let tls = true;
  let tlsExplicit = false;
  for (const pair of query === '' ? [] : query.split('&')) {
    const [key = '', value = '', ...extra] = pair.split('=');
    const option = OPTION_BY_FLAT_KEY.get(flat(key));
    if (option === undefined) {
      const refused = flat(key) === 'throwonappendfailure' ? ' (the adapter needs failed appends to throw)' : '';
      return fail(`unknown option '${key}'${refused}; known: ${KNOWN_OPTIONS.join(', ')}`);
    }
    if (value.trim() === '' || extra.length > 0) return fail(`option '${key}' needs one value`);
    if ((option === 'tls' || option === 'tlsVerifyCert') && value !== 'true' && value !== 'false') return fail(`option '${key}' must be true or false`);
    if (option === 'tls') {
      tls = value === 'true';
      tlsExplicit = true;
    }
  }
  return { tls, tlsExplicit };
}
