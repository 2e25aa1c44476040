import { describe, expect, it } from 'vitest';
import { buildReportHtml } from '../src/build-report';

describe('buildReportHtml', () => {
  const html = buildReportHtml({
    title: 'Demo <report>',
    stages: { sft: 12.5 },
    winRates: [{ a: 'ppo', b: 'sft', judge: 'gold', rate: 0.6, ciLow: 0.52, ciHigh: 0.68, n: 150 }],
    curves: [{ title: 'reward', xLabel: 'step', series: [{ name: 'gold</script><script>alert(1)</script>', x: [1, 2], y: [0.1, 0.2] }] }],
    samples: [{ prompt: 'Say <b>hi</b>', completions: { ppo: '<img src=x onerror=alert(1)>' } }],
    likertHistograms: { ppo: [0, 1, 2, 3, 4, 5, 6] },
  });

  it('escapes untrusted model text everywhere it appears', () => {
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('Say &lt;b&gt;hi&lt;/b&gt;');
    expect(html).toContain('<title>Demo &lt;report&gt;</title>');
    // Chart data cannot close its script element.
    expect(html).not.toContain('gold</script>');
  });

  it('is self-contained: uPlot is inlined and nothing is loaded from the network', () => {
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain('60.0%');
  });
});
