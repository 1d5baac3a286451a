import { describe, expect, it } from 'vitest';
import { responseStatuses } from '../../bench/campaign/raw.js';

describe('the campaign\'s reading of raw answers', () => {
  it('frames responses one after the other, as a client does, whatever their bodies hold', () => {
    const stream = [
      'HTTP/1.1 100 Continue\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 21\r\n\r\n{"a":"HTTP/1.1 500 "}',
      'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"x"\r\n3\r\n:1}\r\n0\r\n\r\n',
      'HTTP/1.1 204 No Content\r\n\r\n',
      'HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}',
    ].join('');
    expect(responseStatuses(stream)).toEqual([100, 200, 201, 204, 404]);
    expect(responseStatuses('garbage')).toEqual([]);
    expect(responseStatuses('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\nno length, runs to the end')).toEqual([400]);
  });
});
