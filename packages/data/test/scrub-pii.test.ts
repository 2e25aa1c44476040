import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isIbanValid, isLuhnValid, PII_TYPES, scrubPii, type PiiType } from '../src/index';

interface LabelledItem {
  text: string;
  entities: { type: PiiType; value: string }[];
}

const labelled: LabelledItem[] = readFileSync(path.join(import.meta.dirname, '__fixtures__', 'pii-labelled.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

describe('scrubPii', () => {
  it('replaces findings by typed placeholders and reports where they were', () => {
    const text = 'Mail ada@example.com or call +44 20 7946 0958.';
    const result = scrubPii(text);
    expect(result.text).toBe('Mail [EMAIL] or call [PHONE].');
    expect(result.findings).toEqual([
      { type: 'EMAIL', start: 5, end: 20 },
      { type: 'PHONE', start: 29, end: 45 },
    ]);
    expect(result.findings.map((finding) => text.slice(finding.start, finding.end))).toEqual(['ada@example.com', '+44 20 7946 0958']);
  });

  it('checks card numbers with Luhn and IBANs with mod 97', () => {
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(isIbanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(isIbanValid('DE89 3704 0044 0532 0130 01')).toBe(false);
    expect(scrubPii('card 4111 1111 1111 1112').findings).toEqual([]);
    expect(scrubPii('card 4111 1111 1111 1111').text).toBe('card [CREDIT_CARD]');
  });

  it('keeps only the credentials of a URL and lets the caller choose types', () => {
    expect(scrubPii('git clone https://bob:hunter22@example.com/x.git').text).toBe('git clone https://[URL_CREDENTIALS]@example.com/x.git');
    expect(scrubPii('ada@example.com 10.0.0.1', { types: ['IP'] }).text).toBe('ada@example.com [IP]');
    expect(scrubPii('ada@example.com', { placeholder: (type) => `<${type.toLowerCase()}>` }).text).toBe('<email>');
  });

  it(`reaches the expected precision and recall on a labelled set of ${labelled.length} prompts`, () => {
    const counts = new Map<PiiType, { truePositives: number; falsePositives: number; falseNegatives: number }>(
      PII_TYPES.map((type) => [type, { truePositives: 0, falsePositives: 0, falseNegatives: 0 }]),
    );
    const misses: string[] = [];
    for (const item of labelled) {
      const expected = item.entities.map((entity) => `${entity.type}\u0000${entity.value}`);
      const found = scrubPii(item.text).findings.map((finding) => `${finding.type}\u0000${item.text.slice(finding.start, finding.end)}`);
      for (const key of found) {
        const type = key.split('\u0000')[0] as PiiType;
        const index = expected.indexOf(key);
        if (index >= 0) {
          counts.get(type)!.truePositives += 1;
          expected.splice(index, 1);
        } else {
          counts.get(type)!.falsePositives += 1;
          misses.push(`false positive ${key.replace('\u0000', ' ')} in ${JSON.stringify(item.text)}`);
        }
      }
      for (const key of expected) {
        counts.get(key.split('\u0000')[0] as PiiType)!.falseNegatives += 1;
        misses.push(`missed ${key.replace('\u0000', ' ')} in ${JSON.stringify(item.text)}`);
      }
    }
    const rows = [...counts].map(([type, count]) => {
      const precision = count.truePositives / Math.max(1, count.truePositives + count.falsePositives);
      const recall = count.truePositives / Math.max(1, count.truePositives + count.falseNegatives);
      return { type, ...count, precision: Number(precision.toFixed(3)), recall: Number(recall.toFixed(3)) };
    });
    console.table(rows);
    if (misses.length > 0) console.log(misses.join('\n'));
    expect(labelled.length).toBeGreaterThanOrEqual(80);
    for (const row of rows) {
      expect(row.truePositives, row.type).toBeGreaterThan(0);
      expect(row.precision, `${row.type} precision`).toBeGreaterThanOrEqual(0.85);
      expect(row.recall, `${row.type} recall`).toBeGreaterThanOrEqual(0.8);
    }
  });
});
