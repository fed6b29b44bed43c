// How threat-intelligence tags read in evidence texts.
import { pyList } from '../util/py-format.js';
import type { IocInfo } from './ioc-store.js';
import { LOCAL_TAG } from './parsers.js';

/** Tags as evidence texts print them: a Python list for feeds, "local TI file" for local files. */
export function tagsText(info: IocInfo): string {
  if (info.tags.length === 0) return '';
  if (info.tags.length === 1 && info.tags[0] === LOCAL_TAG) return LOCAL_TAG;
  return pyList(info.tags);
}
