import { MemorySearch } from '../../engines/search/memory/index.js';
import { searchContract } from './search.contract.js';

searchContract('MemorySearch (in process)', async () => {
  const search = new MemorySearch();
  return { search, cleanup: () => search.close() };
});
