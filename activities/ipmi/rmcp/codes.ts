// Names for IPMI completion codes (IPMI v2.0 table 5-2) and RMCP+/RAKP status
// codes (table 13-15), for error messages and for mapping ipmitool's text back.

export const COMPLETION_CODES: Readonly<Record<number, string>> = {
  0x00: 'Command completed normally',
  0xc0: 'Node busy',
  0xc1: 'Invalid command',
  0xc2: 'Invalid command on LUN',
  0xc3: 'Timeout',
  0xc4: 'Out of space',
  0xc5: 'Reservation cancelled or invalid',
  0xc6: 'Request data truncated',
  0xc7: 'Request data length invalid',
  0xc8: 'Request data field length limit exceeded',
  0xc9: 'Parameter out of range',
  0xca: 'Cannot return number of requested data bytes',
  0xcb: 'Requested sensor, data, or record not found',
  0xcc: 'Invalid data field in request',
  0xcd: 'Command illegal for specified sensor or record type',
  0xce: 'Command response could not be provided',
  0xcf: 'Cannot execute duplicated request',
  0xd0: 'SDR Repository in update mode',
  0xd1: 'Device firmware in update mode',
  0xd2: 'BMC initialization in progress',
  0xd3: 'Destination unavailable',
  0xd4: 'Insufficient privilege level',
  0xd5: 'Command not supported in present state',
  0xd6: 'Cannot execute command, command disabled',
  0xff: 'Unspecified error',
};

export function completionCodeName(code: number): string {
  return COMPLETION_CODES[code] ?? 'Unknown completion code';
}

export const RAKP_STATUS = {
  ok: 0x00,
  insufficientResources: 0x01,
  invalidSessionId: 0x02,
  invalidPayloadType: 0x03,
  invalidAuthAlgorithm: 0x04,
  invalidIntegrityAlgorithm: 0x05,
  noMatchingAuthPayload: 0x06,
  noMatchingIntegrityPayload: 0x07,
  inactiveSessionId: 0x08,
  invalidRole: 0x09,
  unauthorizedRole: 0x0a,
  insufficientResourcesForRole: 0x0b,
  invalidNameLength: 0x0c,
  unauthorizedName: 0x0d,
  unauthorizedGuid: 0x0e,
  invalidIntegrityCheckValue: 0x0f,
  invalidConfidentialityAlgorithm: 0x10,
  noCipherSuiteMatch: 0x11,
  illegalParameter: 0x12,
} as const;

const RAKP_NAMES: Readonly<Record<number, string>> = {
  0x00: 'no errors',
  0x01: 'insufficient resources to create a session',
  0x02: 'invalid session ID',
  0x03: 'invalid payload type',
  0x04: 'invalid authentication algorithm',
  0x05: 'invalid integrity algorithm',
  0x06: 'no matching authentication payload',
  0x07: 'no matching integrity payload',
  0x08: 'inactive session ID',
  0x09: 'invalid role',
  0x0a: 'unauthorized role or privilege level requested',
  0x0b: 'insufficient resources to create a session at the requested role',
  0x0c: 'invalid name length',
  0x0d: 'unauthorized name',
  0x0e: 'unauthorized GUID',
  0x0f: 'invalid integrity check value',
  0x10: 'invalid confidentiality algorithm',
  0x11: 'no cipher suite match with proposed security algorithms',
  0x12: 'illegal parameter',
};

export function rakpStatusName(status: number): string {
  return RAKP_NAMES[status] ?? 'unknown status';
}

/** RAKP statuses that mean "these credentials are wrong". */
export const AUTH_STATUSES: ReadonlySet<number> = new Set([
  RAKP_STATUS.invalidRole,
  RAKP_STATUS.unauthorizedRole,
  RAKP_STATUS.invalidNameLength,
  RAKP_STATUS.unauthorizedName,
  RAKP_STATUS.invalidIntegrityCheckValue,
]);

/** RAKP statuses that mean "this cipher suite is not offered". */
export const CIPHER_STATUSES: ReadonlySet<number> = new Set([
  RAKP_STATUS.invalidAuthAlgorithm,
  RAKP_STATUS.invalidIntegrityAlgorithm,
  RAKP_STATUS.noMatchingAuthPayload,
  RAKP_STATUS.noMatchingIntegrityPayload,
  RAKP_STATUS.invalidConfidentialityAlgorithm,
  RAKP_STATUS.noCipherSuiteMatch,
]);
