import { ensureTemplate } from './db.js';

await ensureTemplate();
