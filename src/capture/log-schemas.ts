/** Zeek log columns (#fields and #types) of the logs the packet engine writes itself. */

export interface FieldSpec {
  name: string;
  /** Zeek type name as written in #types: time, interval, count, int, port, addr, string, enum, bool, set[string], ... */
  type: string;
}

/** The leading columns of every connection-based log. */
const CONN_ID_FIELDS: readonly FieldSpec[] = [
  { name: 'ts', type: 'time' },
  { name: 'uid', type: 'string' },
  { name: 'id.orig_h', type: 'addr' },
  { name: 'id.orig_p', type: 'port' },
  { name: 'id.resp_h', type: 'addr' },
  { name: 'id.resp_p', type: 'port' },
];

const CONN_FIELDS: readonly FieldSpec[] = [
  ...CONN_ID_FIELDS,
  { name: 'proto', type: 'enum' },
  { name: 'service', type: 'string' },
  { name: 'duration', type: 'interval' },
  { name: 'orig_bytes', type: 'count' },
  { name: 'resp_bytes', type: 'count' },
  { name: 'conn_state', type: 'string' },
  { name: 'local_orig', type: 'bool' },
  { name: 'local_resp', type: 'bool' },
  { name: 'missed_bytes', type: 'count' },
  { name: 'history', type: 'string' },
  { name: 'orig_pkts', type: 'count' },
  { name: 'orig_ip_bytes', type: 'count' },
  { name: 'resp_pkts', type: 'count' },
  { name: 'resp_ip_bytes', type: 'count' },
  { name: 'tunnel_parents', type: 'set[string]' },
  { name: 'ip_proto', type: 'count' },
];

const L2_FIELDS: readonly FieldSpec[] = [
  { name: 'orig_l2_addr', type: 'string' },
  { name: 'resp_l2_addr', type: 'string' },
];

/** The columns of the logs the engine itself writes (application logs: analyzers/schemas.ts). */
export const ENGINE_SCHEMAS: Readonly<Record<string, readonly FieldSpec[]>> = {
  conn: CONN_FIELDS,
  tunnel: [
    ...CONN_ID_FIELDS,
    { name: 'tunnel_type', type: 'enum' },
    { name: 'action', type: 'enum' },
  ],
  arp: [
    { name: 'ts', type: 'time' },
    { name: 'operation', type: 'string' },
    { name: 'src_mac', type: 'string' },
    { name: 'dst_mac', type: 'string' },
    { name: 'orig_h', type: 'addr' },
    { name: 'resp_h', type: 'addr' },
    { name: 'orig_hw', type: 'string' },
    { name: 'resp_hw', type: 'string' },
  ],
};

/** The conn.log schema for the given options (mac-logging adds two columns). */
export function connFields(macLogging: boolean): readonly FieldSpec[] {
  return macLogging ? [...CONN_FIELDS, ...L2_FIELDS] : CONN_FIELDS;
}
