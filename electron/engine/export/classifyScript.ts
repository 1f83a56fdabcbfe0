/**
 * classify.py, written beside every exported model.onnx: the classifier run on its own, on a
 * Jetson or any machine with Python, numpy and OpenCV (JetPack ships them), on ONNX Runtime
 * where it is installed, else on OpenCV's dnn module. It decodes and fits a photo as the engine
 * does (images/decodeImage.ts: EXIF orientation, transparency on white; a larger photo shrunk by
 * averaging, a smaller one enlarged bilinearly), so it gives the engine's answers; a test runs it.
 * It is Python, kept here as a string so that every build (the CLI from its sources, the bundled
 * desktop app) carries it with no file to find at run time.
 */
export const classifyScriptName = 'classify.py';

export const classifyScript = String.raw`
#!/usr/bin/env python3
"""Transfer Lab's exported classifier, on its own: a Jetson, a Raspberry Pi, any machine with Python.

  python3 classify.py photo.jpg more/*.png a_folder/    each photo's class and its top three
  python3 classify.py --camera 0                        a USB camera's frames, until Ctrl+C
  python3 classify.py --camera "nvarguscamerasrc ! video/x-raw(memory:NVMM),width=1280,height=720 ! nvvidconv ! video/x-raw,format=BGRx ! videoconvert ! video/x-raw,format=BGR ! appsink"
                                                        a Jetson's CSI camera, through GStreamer
  python3 classify.py --json photos/                    one JSON object a photo
  python3 classify.py --camera 0 --show                 the frames in a window, each with its class (q ends)
  python3 classify.py photos/ --save labelled/          each photo saved with its class written on it

It reads model.onnx and transfer-lab.json beside it. The model runs on ONNX Runtime where it is
installed (its CUDA provider first where it has one: "pip install onnxruntime-gpu" from NVIDIA's
Jetson wheels), else on OpenCV's dnn module, which JetPack ships (python3-opencv on Ubuntu and
Debian). Photos are decoded and resized with OpenCV as Transfer Lab feeds the model: upright by
their EXIF orientation, transparency on white, resized to the model's input (a larger photo
shrunk averaging its pixels, a smaller one enlarged bilinearly with half-pixel centres).
For TensorRT itself: trtexec --onnx=model.onnx --saveEngine=model.plan (add --fp16 on a Jetson).
"""
import argparse
import io
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WINDOW = "Transfer Lab"

PHOTO_TYPES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def utf8_output():
    """Python 3.6 (JetPack 4) in the C locale (a container, a service, a bare SSH session) writes
    ASCII only, so a class or a file named in any other script ended the run. Write UTF-8 there,
    as Python 3.7 and later do (PEP 538 and 540); a file name that is not UTF-8 goes out as its bytes."""
    for name, errors in (("stdout", "surrogateescape"), ("stderr", "backslashreplace")):
        stream = getattr(sys, name)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding != "utf8" and hasattr(stream, "buffer"):
            setattr(sys, name, io.TextIOWrapper(stream.buffer, encoding="utf-8", errors=errors, line_buffering=True))


def as_text(name):
    """a folder's name as the labels spell it, whatever the locale decoded it as"""
    return os.fsencode(name).decode("utf-8", "replace")


def fail(message):
    sys.stderr.write("classify.py: " + message + "\n")
    sys.exit(2)


try:
    import numpy as np
    import cv2
except ImportError as e:
    fail("needs numpy and OpenCV's Python module (%s): on Ubuntu or Debian, sudo apt install python3-opencv; JetPack has both" % e)


def read_manifest(folder):
    path = os.path.join(folder, "transfer-lab.json")
    try:
        with open(path, encoding="utf-8") as f:
            m = json.load(f)
    except (OSError, ValueError) as e:
        fail("cannot read %s (%s): keep classify.py in the folder Transfer Lab exported" % (path, e))
    if not m.get("onnx"):
        fail("%s holds no ONNX model (%s): export again with the ONNX format" % (folder, m.get("onnxSkipped", "not exported")))
    return m


class Model:
    """model.onnx on ONNX Runtime, or on OpenCV's dnn module"""

    def __init__(self, folder, manifest, runtime):
        self.path = os.path.join(folder, manifest["onnx"]["file"])
        self.input = manifest["onnx"]["input"]
        ort = None
        if runtime in ("auto", "onnxruntime"):
            try:
                import onnxruntime as ort
            except ImportError:
                if runtime == "onnxruntime":
                    fail("ONNX Runtime is not installed here (pip install onnxruntime, or onnxruntime-gpu)")
        if ort is not None:
            wanted = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in ort.get_available_providers()]
            self.session = ort.InferenceSession(self.path, providers=wanted)
            self.name = "ONNX Runtime %s (%s)" % (ort.__version__, self.session.get_providers()[0])
            self.run = lambda x: self.session.run(None, {self.input: x})[0]
        else:
            try:
                self.net = cv2.dnn.readNetFromONNX(self.path)
            except cv2.error as e:
                fail("OpenCV %s cannot read %s: %s" % (cv2.__version__, self.path, str(e).strip().splitlines()[-1]))
            self.name = "OpenCV %s dnn (CPU)" % cv2.__version__
            self.run = self.run_opencv

    def run_opencv(self, x):
        self.net.setInput(x)
        return self.net.forward()


def fit(bgr, p):
    """the photo as the model's input: RGB float32 0..255, [height, width, 3]"""
    h, w = bgr.shape[:2]
    H, W = p["height"], p["width"]
    if p["resize"] == "center-crop":
        scale = max(W / w, H / h)
        size = (max(W, round(w * scale)), max(H, round(h * scale)))
    else:
        size = (W, H)
    if size != (w, h) and (size[0] < w or size[1] < h):
        # shrunk in bytes, as the engine's decoder gives them (and a phone's photo is not made
        # a 150 MB array of floats first)
        img = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    elif size != (w, h):
        # enlarged from the bytes in floats, as the engine's runtime does
        img = cv2.resize(bgr.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    else:
        img = bgr.astype(np.float32)
    if size != (W, H):
        top, left = (size[1] - H) // 2, (size[0] - W) // 2
        img = img[top : top + H, left : left + W]
    return np.ascontiguousarray(img[:, :, ::-1])


def decode(path):
    """8-bit BGR, upright, transparency on white; None where the file is no photo"""
    data = np.fromfile(path, dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if img is None:
        return None
    if img.dtype != np.uint8:
        img = (img / 257).astype(np.uint8) if img.dtype == np.uint16 else cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        alpha = img[:, :, 3:4].astype(np.float32) / 255
        return (img[:, :, :3] * alpha + 255 * (1 - alpha) + 0.5).astype(np.uint8)
    # decoded again with the EXIF orientation applied (IMREAD_UNCHANGED ignores it)
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def photos(args):
    for a in args:
        if os.path.isdir(a):
            for root, dirs, files in os.walk(a):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if f.lower().endswith(PHOTO_TYPES) and not f.startswith("."):
                        yield os.path.join(root, f)
        else:
            yield a


def answer(probs, labels, top):
    order = np.argsort(-probs)[:top]
    return [{"label": labels[i], "probability": round(float(probs[i]), 6)} for i in order]


def annotate(bgr, top, note=""):
    """the picture with its likeliest class written across its top (a small one enlarged to be read)"""
    img = bgr
    if img.shape[1] < 480:
        k = 480 / img.shape[1]
        img = cv2.resize(img, (480, max(1, round(img.shape[0] * k))), interpolation=cv2.INTER_NEAREST)
    else:
        img = img.copy()
    h, w = img.shape[:2]
    scale = max(0.6, w / 900)
    thick = max(1, round(scale * 2))
    best = top[0]
    text = "%s %.0f%%" % (best["label"], 100 * best["probability"])
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    pad = round(10 * scale)
    cv2.rectangle(img, (0, 0), (w, th + base + 2 * pad), (36, 28, 22), -1)
    cv2.putText(img, text, (pad, pad + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
    if note:
        small = scale * 0.6
        (nw, nh), _ = cv2.getTextSize(note, cv2.FONT_HERSHEY_SIMPLEX, small, 1)
        cv2.putText(img, note, (w - nw - pad, pad + nh), cv2.FONT_HERSHEY_SIMPLEX, small, (200, 205, 210), 1, cv2.LINE_AA)
    return img


def save_to(folder):
    """the folder --save writes into, made where it is missing"""
    if os.path.exists(folder) and not os.path.isdir(folder):
        fail("--save %s: that is a file, not a folder" % folder)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        fail("--save %s: cannot make that folder (%s)" % (folder, e.strerror))
    return folder


def write(path, img):
    """writes a new file, never over one that is there (a photo of the user's may share the name)"""
    stem, ext = os.path.splitext(path)
    n = 1
    while os.path.exists(path):
        n += 1
        path = "%s-%d%s" % (stem, n, ext)
    # encoded here and written by Python: OpenCV's imwrite takes no name its locale cannot spell
    ok, data = cv2.imencode(ext or ".jpg", img)
    try:
        if not ok:
            raise OSError("OpenCV could not encode it")
        with open(path, "xb") as f:
            f.write(data.tobytes())
    except OSError as e:
        fail("cannot write %s (%s: is the disk full, or the folder read-only?)" % (path, e))


def say(name, found, as_json, extra=""):
    if as_json:
        print(json.dumps(dict(found, file=name)), flush=True)
    else:
        best = found["top"][0]
        rest = ", ".join("%s %.1f%%" % (t["label"], 100 * t["probability"]) for t in found["top"][1:])
        print("%s\t%s %.1f%%%s%s" % (name, best["label"], 100 * best["probability"], "  (" + rest + ")" if rest else "", extra), flush=True)


def classify_files(model, m, args, batch):
    labels, p = m["labels"], m["preprocessing"]
    unread = saved = 0
    # photos in a folder named after a class are that class's: they are counted right or wrong
    named, right = 0, 0
    confused = {}
    paths = list(photos(args.photos))
    if not paths:
        fail("no photos in %s" % " ".join(args.photos))
    for start in range(0, len(paths), batch):
        chunk, inputs = [], []
        for path in paths[start : start + batch]:
            try:
                img = decode(path)
            except (OSError, cv2.error) as e:
                img, why = None, str(e)
            else:
                why = "OpenCV cannot read it as a photo"
            if img is None:
                unread += 1
                sys.stderr.write("%s: %s\n" % (path, why if os.path.exists(path) else "no such file"))
                continue
            chunk.append((path, img if args.save else None))
            inputs.append(fit(img, p))
        if not chunk:
            continue
        probs = model.run(np.stack(inputs))
        for (path, img), row in zip(chunk, probs):
            top = answer(row, labels, args.top)
            say(path, {"top": top, "probabilities": [round(float(v), 6) for v in row]} if args.json else {"top": top}, args.json)
            truth = as_text(os.path.basename(os.path.dirname(os.path.abspath(path))))
            if truth in labels:
                named += 1
                if top[0]["label"] == truth:
                    right += 1
                else:
                    pair = (truth, top[0]["label"])
                    confused[pair] = confused.get(pair, 0) + 1
            if args.save:
                saved += 1
                write(os.path.join(args.save, "%05d-%s.jpg" % (saved, os.path.splitext(os.path.basename(path))[0])), annotate(img, top))
    if named:
        worst = sorted(confused.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        mixed = "; most taken for another: " + ", ".join("%s as %s (%d)" % (t, g, n) for (t, g), n in worst) if worst else ""
        summary = "%d of %d photos in folders named after a class were that class (%.1f%%)%s" % (right, named, 100.0 * right / named, mixed)
        if args.json:
            print(json.dumps({"summary": {"right": right, "of": named, "confused": [{"class": t, "taken_for": g, "photos": n} for (t, g), n in worst]}}), flush=True)
        else:
            sys.stderr.write(summary + "\n")
    return 1 if unread else 0


def classify_camera(model, m, args):
    labels, p = m["labels"], m["preprocessing"]
    if args.camera.isdigit():
        cap = cv2.VideoCapture(int(args.camera))
    elif "!" in args.camera:
        # a GStreamer pipeline ending in appsink (JetPack's OpenCV is built with GStreamer)
        cap = cv2.VideoCapture(args.camera, cv2.CAP_GSTREAMER)
    else:
        cap = cv2.VideoCapture(args.camera)
    if not cap.isOpened():
        fail("cannot open the camera %s (is it plugged in, and free of other programs?)" % args.camera)
    frames, started = 0, time.time()
    try:
        while args.frames is None or frames < args.frames:
            ok, bgr = cap.read()
            if not ok:
                break
            t = time.time()
            probs = model.run(fit(bgr, p)[None])[0]
            frames += 1
            found = {"top": answer(probs, labels, args.top), "frame": frames, "ms": round(1000 * (time.time() - t), 1)}
            say("frame %d" % frames, found, args.json, "  %.0f ms" % found["ms"])
            if args.show or args.save:
                shown = annotate(bgr, found["top"], "%.0f ms" % found["ms"])
                if args.save:
                    write(os.path.join(args.save, "frame-%05d.jpg" % frames), shown)
                if args.show:
                    cv2.imshow(WINDOW, shown)
                    key = cv2.waitKey(1) & 0xFF
                    # q or Esc ends it, and so does closing the window
                    if key in (ord("q"), 27) or cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                        break
    except KeyboardInterrupt:
        pass
    finally:
        cap.release()
        if args.show:
            cv2.destroyAllWindows()
    if frames == 0:
        fail("the camera %s gave no frame" % args.camera)
    if not args.json:
        sys.stderr.write("%d frames, %.1f a second\n" % (frames, frames / max(time.time() - started, 1e-6)))
    return 0


def main():
    utf8_output()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 1)[1])
    ap.add_argument("photos", nargs="*", help="photo files or folders")
    ap.add_argument("--camera", help="a camera's number (0: the first), a video file or stream, or a GStreamer pipeline, instead of photos")
    ap.add_argument("--frames", type=int, help="with --camera: stop after this many frames")
    ap.add_argument("--show", action="store_true", help="with --camera: the frames in a window, each with its class (q or Esc ends)")
    ap.add_argument("--save", metavar="FOLDER", help="save each photo or frame there, with its class written on it")
    ap.add_argument("--top", type=int, default=3, help="classes to show for each photo (default 3)")
    ap.add_argument("--json", action="store_true", help="one JSON object a photo or frame, with every class's probability")
    ap.add_argument("--runtime", choices=("auto", "onnxruntime", "opencv"), default="auto", help="what runs the model (default: ONNX Runtime where installed, else OpenCV)")
    ap.add_argument("--model", default=HERE, help="the exported folder (default: this script's own)")
    args = ap.parse_args()
    if not args.photos and args.camera is None:
        ap.error("name photos or folders, or a --camera")
    if args.show and args.camera is None:
        ap.error("--show goes with --camera; for photos, --save FOLDER keeps each with its class written on it")
    # without a display, OpenCV's window would end the program (Qt aborts it) rather than say so
    if args.show and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")):
        fail("--show needs a display, and there is none here (over SSH: ssh -X, or --save FOLDER to keep the frames instead)")
    if args.save:
        save_to(args.save)
    m = read_manifest(args.model)
    model = Model(args.model, m, args.runtime)
    sys.stderr.write("%s on %s\n" % (m.get("name", "the classifier"), model.name))
    return classify_camera(model, m, args) if args.camera is not None else classify_files(model, m, args, 8)


if __name__ == "__main__":
    sys.exit(main())
`.trimStart();
