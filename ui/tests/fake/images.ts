/** Pictures for the test backend: small SVGs drawn from a seed, served as data URLs. */

export type FakeImage = { seed: number; placeholder: boolean; caption: string; aspect: string };

const images = new Map<string, FakeImage>();

export function registerImage(path: string, image: FakeImage) {
  images.set(path, image);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function size(aspect: string): [number, number] {
  if (aspect === '16:9') return [640, 360];
  if (aspect === '1:1') return [480, 480];
  return [360, 640];
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

function scenery(img: FakeImage): string {
  const [w, h] = size(img.aspect);
  const r = (n: number) => ((img.seed * (n + 7) * 2654435761) >>> 0) / 4294967296;
  const hue = Math.floor(r(1) * 360);
  const sky1 = `hsl(${hue} 70% ${55 + r(2) * 15}%)`;
  const sky2 = `hsl(${(hue + 40) % 360} 80% ${72 + r(3) * 10}%)`;
  const far = `hsl(${(hue + 200) % 360} 30% 38%)`;
  const near = `hsl(${(hue + 220) % 360} 35% 20%)`;
  const sunX = w * (0.2 + r(4) * 0.6);
  const sunY = h * (0.25 + r(5) * 0.2);
  const ridge = (base: number, amp: number, k: number) => {
    const pts: string[] = [`0,${h}`];
    for (let i = 0; i <= 8; i++) pts.push(`${(w / 8) * i},${h * base - amp * h * r(k + i)}`);
    pts.push(`${w},${h}`);
    return pts.join(' ');
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
<defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky1}"/><stop offset="1" stop-color="${sky2}"/></linearGradient></defs>
<rect width="${w}" height="${h}" fill="url(#s)"/>
<circle cx="${sunX}" cy="${sunY}" r="${Math.min(w, h) * 0.11}" fill="#fff6d8" opacity="0.9"/>
<polygon points="${ridge(0.7, 0.2, 10)}" fill="${far}" opacity="0.85"/>
<polygon points="${ridge(0.86, 0.14, 30)}" fill="${near}"/>
</svg>`;
}

function titleCard(img: FakeImage): string {
  const [w, h] = size(img.aspect);
  const words = img.caption.split(/\s+/).filter(Boolean).slice(0, 12);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if ((line + ' ' + word).trim().length > 18) {
      lines.push(line.trim());
      line = word;
    } else line += ' ' + word;
  }
  if (line.trim()) lines.push(line.trim());
  const fs = Math.round(Math.min(w, h) / 12);
  const top = h / 2 - ((lines.length - 1) * fs * 1.3) / 2;
  const text = lines
    .map((l, i) => `<text x="${w / 2}" y="${top + i * fs * 1.3}" font-size="${fs}" text-anchor="middle" fill="#f3eee4" font-family="sans-serif">${esc(l)}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
<rect width="${w}" height="${h}" fill="#1d1826"/><rect x="${w * 0.08}" y="${h * 0.08}" width="${w * 0.84}" height="${h * 0.84}" fill="none" stroke="#5a4b73" stroke-width="2"/>${text}</svg>`;
}

/** A rendered video: it plays a short sample of the same shape. */
export function registerVideo(path: string, aspect: string) {
  images.set(path, { seed: 0, placeholder: false, caption: '', aspect });
}

const SAMPLE_VIDEOS: Record<string, string> = {
  '16:9': '/sample-video-16x9.webm',
  '1:1': '/sample-video-1x1.webm',
};

/** The URL an image path is shown with (a data URL), like the shell's asset URLs. */
export function fakeFileSrc(path: string): string {
  const img = images.get(path) ?? { seed: hash(path), placeholder: false, caption: '', aspect: '9:16' };
  if (/\.(mp4|webm)$/.test(path)) return SAMPLE_VIDEOS[img.aspect] ?? '/sample-video.webm';
  if (/\.wav$/.test(path)) return '/sample-voice.wav';
  const svg = img.placeholder ? titleCard(img) : scenery(img);
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

export { hash };
