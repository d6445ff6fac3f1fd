import { expect } from 'chai';
import { describe, it } from 'mocha';
import { isJsonMediaType } from '../../../api/http/body.js';

describe('isJsonMediaType (which request bodies the API reads as JSON)', () => {
  it('accepts application/json with or without parameters, in any case', () => {
    for (const value of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', ' application/json ;charset=UTF-8']) {
      expect(isJsonMediaType(value), value).to.equal(true);
    }
  });

  it('accepts structured +json types', () => {
    for (const value of ['application/vnd.api+json', 'application/merge-patch+json; charset=utf-8']) expect(isJsonMediaType(value), value).to.equal(true);
  });

  it('refuses everything else, a missing header included', () => {
    for (const value of ['', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', '+json', 'application/json+xml']) {
      expect(isJsonMediaType(value), value).to.equal(false);
    }
  });
});
