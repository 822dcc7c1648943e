/** Starting states of the test backend, picked with ?fixture= in the page URL. */
import type { FakeBackend } from './backend';

const LIGHTHOUSE = [
  'The lighthouse keeper climbs the spiral stairs at dusk, a lantern swinging in her hand.',
  'Far out at sea, a small boat fights the swell under a bruised purple sky.',
  'She lights the great lamp; its beam sweeps across the black water.',
  'The boat turns toward the light, its sail snapping in the wind.',
  'Waves break white against the rocks below the tower.',
  'At dawn the boat rests in the harbour, its crew asleep on the deck.',
  'The keeper watches from the gallery, steam rising from her cup.',
];

const PAPER_BOATS = [
  'Two children fold paper boats from old newspapers on a rainy afternoon.',
  'The gutter becomes a river, and the boats race toward the drain.',
  'One boat snags on a leaf; the other spins away downstream.',
  'They chase it past the bakery, the florist and the bus stop.',
  'The boat slips under a bridge made of a fallen branch.',
  'A cat watches from a windowsill, unimpressed.',
  'The rain stops. Sunlight turns the puddles into mirrors.',
  'The boat drifts into a wide puddle in the park and stops.',
  'A duck inspects it carefully.',
  'The children arrive out of breath, laughing.',
  'They fold a third boat, bigger than the others.',
  'Evening falls; the paper fleet sails on in their dreams.',
];

const NIGHT_MARKET = [
  'Lanterns flicker on above the stalls as the night market wakes.',
  'Steam rises from a noodle cart; the cook tosses the wok high.',
  'A fortune teller shuffles cards beneath a striped awning.',
  'Children crowd around a man who makes birds out of sugar.',
  'Rain begins; everyone squeezes under the nearest canopy.',
  'A street band keeps playing, soaked and grinning.',
  'The rain passes and the stones shine like glass.',
  'The last customers drift home with paper bags of sweets.',
  'The lanterns go out one by one.',
];

export function seedDemo(f: FakeBackend) {
  f.providers = f.providers.map((p) =>
    p.name === 'openai'
      ? { ...p, calls: 31, failures: 3, avg_ms: 8400, last_error: { code: 'provider', message: 'openai refused the prompt as unsafe' } }
      : p.name === 'automatic1111'
        ? { ...p, calls: 6, failures: 1, avg_ms: 14200 }
        : p.name === 'titlecard'
          ? { ...p, calls: 3, failures: 0, avg_ms: 180 }
          : p,
  );
  f.sceneTimes.push(7800, 9100, 6400, 12000, 8800);
  f.settings.storage = {
    ...f.settings.storage,
    target: 's3://stories/storyreel',
    endpoint: 'https://s3.example.com',
    region: 'eu-west-1',
    access_key_set: true,
    secret_key_set: true,
  };
  f.addProject({
    title: 'The Lighthouse',
    texts: LIGHTHOUSE,
    outcomes: ['done', 'done', 'done', 'placeholder', 'done', 'done', 'placeholder'],
    video: true,
    ageMin: 60 * 26,
  });
  f.addProject({
    title: 'Night Market',
    aspect: '16:9',
    style: 'noir',
    texts: NIGHT_MARKET,
    outcomes: ['done', 'done', 'done', 'done', 'done', 'done', 'done', 'done', 'done'],
    ageMin: 60 * 5,
  });
  f.addProject({
    title: 'Paper Boats',
    style: 'pastel',
    texts: PAPER_BOATS,
    outcomes: ['done', 'done', 'done', 'placeholder', 'fail', 'running', 'queued', 'queued', 'queued', 'queued', 'queued', 'queued'],
    ageMin: 3,
  });
}

export function seedBig(f: FakeBackend, n = 500) {
  const texts = Array.from({ length: n }, (_, i) => `Scene ${i + 1} of the long road: the caravan passes marker ${i + 1}.`);
  f.addProject({
    title: 'The Long Road',
    aspect: '16:9',
    texts,
    outcomes: texts.map((_, i) => (i % 17 === 5 ? 'placeholder' : 'done')),
    ageMin: 30,
  });
}

export function seedFixture(f: FakeBackend, name: string | null) {
  if (name === 'demo') seedDemo(f);
  else if (name === 'big') seedBig(f);
}
