// slips.yaml: Slips' sections, keys and defaults, loaded and validated in one place.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** Expected shape of a value; the default's own type unless stated. */
type Kind = 'number' | 'string' | 'boolean' | 'list' | 'any'
  | 'width'        // seconds or "only_one_tw"
  | 'stringOrFalse';

interface KeySpec { def: unknown; kind: Kind }
const k = (def: unknown, kind?: Kind): KeySpec => ({
  def, kind: kind ?? (Array.isArray(def) ? 'list' : typeof def === 'number' ? 'number' : typeof def === 'boolean' ? 'boolean' : 'string'),
});

/** Every section and key of the original's slips.yaml with its default (spec §5.1), plus this project's own keys. */
export const SCHEMA = {
  update: { auto_update_slips: k(false), channel_to_update_slips_from: k('stable'),
    testing_branch_to_update_slips_from: k('origin/your_branch_here') },
  output: { stdout: k('slips.log'), stderr: k('errors.log'), logs: k('slips.log') },
  parameters: {
    verbose: k(1), debug: k(0), time_window_width: k(3600, 'width'), export_strato_letters: k(false),
    analysis_direction: k('out'), delete_zeek_files: k(false), store_a_copy_of_zeek_files: k(false),
    store_zeek_files_in_the_output_dir: k(true), metadata_dir: k(true), permanent_dir: k('permanent'),
    pcapfilter: k('', 'stringOrFalse'), tcp_inactivity_timeout: k(60), deletePrevdb: k(true), label: k('normal'),
    rotation: k(true), default_rotation_interval: k('1day'), keep_rotated_files_for: k(1, 'any'),
    wait_for_modules_to_finish: k('10080 mins', 'any'), export_labeled_flows: k(false), export_format: k('json'),
    client_ips: k([], 'any'),
    // This project's keys (docs/inputs.md): the zone of Argus timestamps, which carry none;
    // seconds without new lines after which a Zeek folder still being written (-f) is complete.
    argus_timezone: k('UTC'), input_quiet_period: k(10),
    // DoS protection (docs/differences.md): live profiles per time window before the least active
    // ones (one flow, no evidence) are shed; 0 = no limit.
    max_profiles_per_timewindow: k(50_000),
  },
  Debug: { generate_performance_plots: k(false) },
  detection: { evidence_detection_threshold: k(0.25), popup_alerts: k(false) },
  modules: { disable: k(['template']), timeline_human_timestamp: k(true) },
  flow_ml_detection: { mode: k('test') },
  brute_force_detector: { ssh_attempt_threshold: k(9) },
  // This project's beacon detector (not in the original).
  beaconing: { min_connections: k(8), score_threshold: k(0.8), include_failed_connections: k(false),
    include_private_destinations: k(false) },
  anomaly_detection_https: { training_hours: k(2), training_fit_method: k('welford'), training_alpha: k(1),
    hourly_zscore_threshold: k(3.0), flow_zscore_threshold: k(3.5), adaptation_score_threshold: k(2.0),
    baseline_alpha: k(0.5), drift_alpha: k(0.05), suspicious_alpha: k(0.005), min_baseline_points: k(6),
    max_small_flow_anomalies: k(1), use_adwin_drift: k(true), adwin_delta: k(0.01), adwin_clock: k(1),
    adwin_grace_period: k(5), adwin_min_window_length: k(5), empirical_threshold_quantile: k(0.995),
    ja3_min_variants_per_server: k(3), log_verbosity: k(3), log_emojis: k(true), log_colors: k(true) },
  virustotal: { api_key_file: k('config/vt_api_key'), virustotal_update_period: k(259200) },
  threatintelligence: { wait_for_TI_to_finish: k(false), local_threat_intelligence_files: k('config/local_ti_files/'),
    download_path_for_remote_threat_intelligence: k('modules/threat_intelligence/remote_data_files/'),
    TI_files_update_period: k(86400), mac_db_update: k(1209600), mac_db: k('https://maclookup.app/downloads/json-database/get-db'),
    ti_files: k('config/TI_feeds.csv'), ja3_feeds: k('config/JA3_feeds.csv'), ssl_feeds: k('config/SSL_feeds.csv'),
    RiskIQ_credentials_path: k('config/RiskIQ_credentials'), riskiq_update_period: k(604800),
    // This project's switch for downloading remote feeds (off: only local files and cached copies are used).
    download_remote_feeds: k(false), download_timeout: k(15) },
  // This project's optional online lookups of the ip_info module (off: everything is offline).
  ip_info: { online_rdns: k(false), online_lookup_timeout: k(2),
    // Domain ages for YOUNG_DOMAIN (docs/enrichment.md): a local file, and/or RDAP/whois lookups.
    domain_ages_file: k(''), online_domain_age: k(false), rdap_server: k('https://rdap.org/domain/{domain}'),
    whois_server: k('whois.iana.org') },
  whitelists: { enable_online_whitelist: k(true), online_whitelist_update_period: k(86400),
    online_whitelist: k('https://tranco-list.eu/download/X5QNN/10000'), enable_local_whitelist: k(true),
    local_whitelist_path: k('config/whitelist.conf') },
  flow_alerts: { long_connection_threshold: k(1500), ssh_succesful_detection_threshold: k(4290),
    data_exfiltration_threshold: k(500), entropy_threshold: k(5), pastebin_download_threshold: k(700) },
  exporting_alerts: { export_to: k([]), slack_channel_name: k('proj_slips_alerting_module'), sensor_name: k('sensor1'),
    slack_api_path: k('config/slack_bot_token_secret'), TAXII_server: k('localhost'), port: k(1234), use_https: k(false),
    discovery_path: k('/taxii2/'), taxii_version: k(2), collection_name: k('Alerts'), push_delay: k(3600),
    direct_export: k(true), direct_export_workers: k(4), direct_export_max_workers: k(12), direct_export_retry_max: k(0),
    direct_export_retry_backoff: k(0.5), direct_export_retry_max_delay: k(5.0), taxii_username: k('admin'),
    taxii_password: k('admin'), taxii_timeout: k(10),
    // This project's exporters and delivery limits (docs/exporting.md).
    syslog_server: k('127.0.0.1'), syslog_port: k(514), syslog_protocol: k('udp'), syslog_socket: k(''),
    syslog_facility: k('local0'), syslog_sd_id: k('slips@32473'), json_lines_output: k('exporting_alerts/alerts.jsonl'),
    idea_directory: k('exporting_alerts/idea'), slack_api_url: k('https://slack.com/api/'), export_queue_size: k(10000),
    export_close_timeout: k(10) },
  cesnet: { send_alerts: k(false), receive_alerts: k(false), configuration_file: k('config/warden.conf'),
    receive_delay: k(86400) },
  DisabledAlerts: { disabled_detections: k([]) },
  Docker: { UID: k(0), GID: k(0) },
  Profiling: { cpu_profiler_enable: k(false), cpu_profiler_mode: k('dev'), cpu_profiler_multiprocess: k(true),
    cpu_profiler_dev_mode_entries: k(500000), cpu_profiler_output_limit: k(20), cpu_profiler_sampling_interval: k(20),
    memory_profiler_enable: k(false), memory_profiler_mode: k('live'), memory_profiler_multiprocess: k(true) },
  web_interface: { port: k(55000) },
  global_p2p: { use_global_p2p: k(false), iris_conf: k('config/iris_config.yaml'), bootstrapping_node: k(false),
    bootstrapping_modules: k(['fides', 'iris']) },
  local_p2p: { create_p2p_logfile: k(false), use_p2p: k(false) },
  timestamp: { format: k('', 'any') },
} satisfies Record<string, Record<string, KeySpec>>;

/** Old section names the original still accepts. */
const SECTION_ALIASES: Record<string, keyof typeof SCHEMA> = {
  modes: 'output', flowmldetection: 'flow_ml_detection', flowalerts: 'flow_alerts',
};

type Section = keyof typeof SCHEMA;
export type RawConfig = { [S in Section]: { [K in keyof (typeof SCHEMA)[S]]: unknown } };

export class ConfigError extends Error {}

function checkKind(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'list': return Array.isArray(v);
    case 'width': return (typeof v === 'number' && Number.isFinite(v) && v > 0) || v === 'only_one_tw';
    case 'stringOrFalse': return typeof v === 'string' || v === false;
    case 'any': return true;
  }
}

/** A value as the user wrote it in YAML (JSON shows .nan and .inf as null). */
function yamlText(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  return JSON.stringify(v) ?? String(v);
}

const describeKind = (kind: Kind): string => ({
  number: 'a number', string: 'a string', boolean: 'true or false', list: 'a list', any: 'any value',
  width: 'a positive number of seconds or "only_one_tw"', stringOrFalse: 'a string or false',
})[kind];

/** Defaults for every key. */
export function defaultRawConfig(): RawConfig {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [s, keys] of Object.entries(SCHEMA)) {
    out[s] = {};
    for (const [key, spec] of Object.entries(keys as Record<string, KeySpec>)) out[s][key] = structuredClone(spec.def);
  }
  return out as RawConfig;
}

/** Parses and validates YAML text: unknown sections/keys and ill-typed values are errors naming them. */
export function parseConfigText(text: string, file: string): RawConfig {
  let doc: unknown;
  try { doc = parseYaml(text); } catch (e) { throw new ConfigError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`); }
  const cfg = defaultRawConfig() as Record<string, Record<string, unknown>>;
  if (doc === null || doc === undefined) return cfg as RawConfig;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${file}: the top level must be a mapping of sections`);
  for (const [rawSection, body] of Object.entries(doc as Record<string, unknown>)) {
    const section = (SECTION_ALIASES[rawSection] ?? rawSection) as string;
    const keys = (SCHEMA as Record<string, Record<string, KeySpec>>)[section];
    if (!keys) throw new ConfigError(`${file}: unknown section "${rawSection}"`);
    if (body === null || body === undefined) continue;
    if (typeof body !== 'object' || Array.isArray(body)) throw new ConfigError(`${file}: section "${rawSection}" must be a mapping`);
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const spec = keys[key];
      if (!spec) throw new ConfigError(`${file}: unknown key "${rawSection}.${key}"`);
      if (!checkKind(spec.kind, value)) {
        throw new ConfigError(`${file}: "${rawSection}.${key}" must be ${describeKind(spec.kind)}, got ${yamlText(value)}`);
      }
      cfg[section]![key] = value;
    }
  }
  return cfg as RawConfig;
}

export function loadConfigFile(file: string): RawConfig {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new ConfigError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  return parseConfigText(text, file);
}

/** The typed, derived settings the engine uses. */
export interface Settings {
  raw: RawConfig;
  verbose: number;
  debug: number;
  /** Time-window width in seconds. */
  width: number;
  /** Live profiles per time window before the least active are shed (Infinity = no limit). */
  maxProfilesPerWindow: number;
  onlyOneTw: boolean;
  analysisDirection: 'out' | 'all';
  clientIps: string[];
  /** Accumulated threat at which an alert is raised: threshold x width / 60. */
  alertThreshold: number;
  evidenceDetectionThreshold: number;
  disabledDetections: Set<string>;
  disabledModules: string[];
  label: string;
  exportLabeledFlows: boolean;
  exportFormat: 'json' | 'tsv';
  exportStratoLetters: boolean;
  metadataDir: boolean;
  longConnectionThreshold: number;
  sshSuccessfulThreshold: number;
  dataExfiltrationThresholdMB: number;
  entropyThreshold: number;
  pastebinDownloadThreshold: number;
  sshAttemptThreshold: number;
}

export const ONLY_ONE_TW_WIDTH = 9_999_999_999;

/** Turns `client_ips` (a YAML list, or a string like "[10.0.0.1, 192.168.1.0/24]") into a list. */
function parseClientIps(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
  if (typeof v === 'string') return v.replace(/[[\]'"]/g, '').split(/[,\s]+/).filter(Boolean);
  return [];
}

export function deriveSettings(raw: RawConfig): Settings {
  const p = raw.parameters;
  const onlyOneTw = p.time_window_width === 'only_one_tw';
  const width = onlyOneTw ? ONLY_ONE_TW_WIDTH : Number(p.time_window_width);
  const dir = String(p.analysis_direction);
  if (dir !== 'out' && dir !== 'all') throw new ConfigError(`"parameters.analysis_direction" must be "out" or "all", got ${JSON.stringify(dir)}`);
  const fmt = String(p.export_format);
  if (fmt !== 'json' && fmt !== 'tsv') throw new ConfigError(`"parameters.export_format" must be "json" or "tsv", got ${JSON.stringify(fmt)}`);
  const threshold = Number(raw.detection.evidence_detection_threshold);
  if (!(threshold > 0)) throw new ConfigError(`"detection.evidence_detection_threshold" must be a positive number`);
  return {
    raw,
    verbose: Math.max(1, Number(p.verbose)),
    debug: Number(p.debug),
    width,
    maxProfilesPerWindow: Number(p.max_profiles_per_timewindow) > 0 ? Math.floor(Number(p.max_profiles_per_timewindow)) : Infinity,
    onlyOneTw,
    analysisDirection: dir,
    clientIps: parseClientIps(p.client_ips),
    evidenceDetectionThreshold: threshold,
    alertThreshold: threshold * (onlyOneTw ? 3600 : width) / 60,
    disabledDetections: new Set((raw.DisabledAlerts.disabled_detections as unknown[]).map(String)),
    disabledModules: (raw.modules.disable as unknown[]).map(String),
    label: String(p.label),
    exportLabeledFlows: Boolean(p.export_labeled_flows),
    exportFormat: fmt,
    exportStratoLetters: Boolean(p.export_strato_letters),
    metadataDir: Boolean(p.metadata_dir),
    longConnectionThreshold: Number(raw.flow_alerts.long_connection_threshold),
    sshSuccessfulThreshold: Number(raw.flow_alerts.ssh_succesful_detection_threshold),
    dataExfiltrationThresholdMB: Number(raw.flow_alerts.data_exfiltration_threshold),
    entropyThreshold: Number(raw.flow_alerts.entropy_threshold),
    pastebinDownloadThreshold: Number(raw.flow_alerts.pastebin_download_threshold),
    sshAttemptThreshold: Number(raw.brute_force_detector.ssh_attempt_threshold),
  };
}
