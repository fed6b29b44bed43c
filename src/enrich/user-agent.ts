// User-agent strings -> operating system and browser, offline, with ua-parser-js 1.x (MIT).
import { UAParser } from 'ua-parser-js';

export interface UserAgentInfo {
  user_agent: string;
  /** OS family, e.g. "Windows", "Mac OS", "Android", "iOS" ("" when unknown). */
  os_name: string;
  /** OS family and version, e.g. "Windows 7", "Mac OS 10.15.7" ("" when unknown). */
  os_type: string;
  /** Browser name and major version, e.g. "Chrome 60" ("" when unknown). */
  browser: string;
}

const CACHE_LIMIT = 10_000;

export class UserAgents {
  private readonly cache = new Map<string, UserAgentInfo>();
  private readonly parser = new UAParser();

  /** Parses a user agent; Apple's `server-bag[macOS,11.5.1,...]` strings are read directly. */
  parse(ua: string): UserAgentInfo {
    const hit = this.cache.get(ua);
    if (hit) return hit;
    let info: UserAgentInfo;
    const bag = /^server-bag\[([^,\]]*),([^,\]]*)/.exec(ua);
    if (bag) {
      info = { user_agent: ua, os_name: bag[1]!, os_type: `${bag[1]}${bag[2]}`, browser: '' };
    } else {
      this.parser.setUA(ua);
      const os = this.parser.getOS();
      const br = this.parser.getBrowser();
      const osName = os.name ?? '';
      info = { user_agent: ua, os_name: osName, os_type: osName ? [osName, os.version ?? ''].join(' ').trim() : '',
        browser: br.name ? [br.name, br.major ?? ''].join(' ').trim() : '' };
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(ua, info);
    return info;
  }
}
