import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHistoryDetail, parseHistoryPage } from './history-request';

describe('history request', () => {
  test('detail: absent is false, Ironic spellings, junk is a 400 naming the values', () => {
    assert.equal(parseHistoryDetail({}), false);
    assert.equal(parseHistoryDetail({ detail: 'True' }), true);
    assert.equal(parseHistoryDetail({ detail: ['true', 'true'] }), false);
    assert.throws(() => parseHistoryDetail({ detail: 'maybe' }), /Invalid detail: Unrecognized value "maybe"/);
  });
  test('page: limit capped at the maximum, marker a normalised uuid', () => {
    assert.deepEqual(parseHistoryPage({}, 50), { limit: 50, marker: undefined });
    assert.deepEqual(parseHistoryPage({ limit: '500', marker: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE' }, 50), {
      limit: 50,
      marker: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    });
    assert.throws(() => parseHistoryPage({ limit: '0' }, 50), /Limit must be positive/);
    assert.throws(() => parseHistoryPage({ marker: 'x' }, 50), /Expected UUID for marker: x/);
  });
});
