import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeWindowGrid, describeWidth, twId } from '../../src/profiler/timewindows.ts';

test('the first flow opens timewindow1 and fixes the grid origin', () => {
  const g = new TimeWindowGrid(3600);
  assert.equal(g.numberFor(1000), 1);
  assert.equal(g.startOf(1), 1000);
  assert.equal(g.endOf(1), 4600);
});

test('window number is floor((ts - origin) / width) + 1; a flow on a boundary opens the next window', () => {
  const g = new TimeWindowGrid(3600);
  g.numberFor(1000);
  assert.equal(g.numberFor(4599.999), 1);
  assert.equal(g.numberFor(4600), 2);
  assert.equal(g.numberFor(1000 + 3600 * 5 + 1), 6);
  assert.equal(g.startOf(6), 1000 + 3600 * 5);
});

test('flows earlier than the first flow get timewindow0, -1, ...', () => {
  const g = new TimeWindowGrid(3600);
  g.numberFor(10_000);
  assert.equal(g.numberFor(9_999), 0);
  assert.equal(g.numberFor(10_000 - 3600), 0);
  assert.equal(g.numberFor(10_000 - 3601), -1);
  assert.equal(g.startOf(0), 10_000 - 3600);
  assert.equal(twId(-1), 'timewindow-1');
});

test('all profiles share one grid: the origin is global', () => {
  const g = new TimeWindowGrid(300);
  g.numberFor(50);
  assert.equal(g.numberFor(50 + 301), 2);
  assert.equal(g.numberFor(50 + 299), 1);
});

test('only_one_tw puts everything in timewindow1 starting 100 years before the first flow', () => {
  const g = new TimeWindowGrid(9_999_999_999, true);
  assert.equal(g.numberFor(1_600_000_000), 1);
  assert.equal(g.numberFor(1), 1);
  assert.equal(g.startOf(1), 1_600_000_000 - 100 * 365 * 86400);
});

test('widths are described as the original prints them', () => {
  assert.equal(describeWidth(3600), '1 hrs');
  assert.equal(describeWidth(9_999_999_999), '115740 days 17 hrs 46 mins 39 seconds');
  assert.equal(describeWidth(90), '1 mins 30 seconds');
});
