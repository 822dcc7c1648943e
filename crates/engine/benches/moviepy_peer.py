"""The render of the popular peers (MoneyPrinterTurbo, ShortGPT and the like), for the karaoke
benchmark: moviepy 2 composing each scene's picture with a per-frame zoom, a crossfade into it,
a text clip per spoken phrase at its time, and each scene's narration at its start, encoded
with libx264 at moviepy's defaults. It reads what the StoryReel render used (plan.json: the
pictures, narration files, scene starts and lengths, and the caption pages) and writes out.mp4.

    python3 moviepy_peer.py PLAN_DIR FONT_FILE
"""

import json
import sys
from pathlib import Path

from moviepy import (AudioFileClip, CompositeAudioClip, CompositeVideoClip, ImageClip,
                     TextClip, vfx)

W, H, FPS, XFADE = 1080, 1920, 30, 0.5


def main() -> None:
    plan_dir, font = Path(sys.argv[1]), sys.argv[2]
    plan = json.loads((plan_dir / "plan.json").read_text())
    clips, audio = [], []
    for i, s in enumerate(plan["scenes"]):
        d = s["seconds"]
        # Ken Burns: the picture grows 4 % over the scene, resized every frame.
        pic = (ImageClip(str(plan_dir / s["image"]))
               .resized(height=H)
               .with_duration(d)
               .resized(lambda t, d=d: 1 + 0.04 * t / d)
               .with_position("center")
               .with_start(s["start"]))
        if i > 0:
            pic = pic.with_effects([vfx.CrossFadeIn(XFADE)])
        clips.append(pic)
        for page in s["pages"]:
            txt = (TextClip(font=font, text=page["text"], font_size=64, color="white",
                            stroke_color="black", stroke_width=3, method="caption",
                            size=(W - 160, None))
                   .with_start(page["start"])
                   .with_duration(max(page["end"] - page["start"], 0.1))
                   .with_position(("center", int(H * 0.72))))
            clips.append(txt)
        if s.get("audio"):
            audio.append(AudioFileClip(str(plan_dir / s["audio"])).with_start(s["start"]))
    video = CompositeVideoClip(clips, size=(W, H)).with_duration(plan["duration"])
    if audio:
        video = video.with_audio(CompositeAudioClip(audio))
    video.write_videofile(str(plan_dir / "out.mp4"), fps=FPS, codec="libx264",
                          audio_codec="aac", threads=2, logger=None)


if __name__ == "__main__":
    main()
