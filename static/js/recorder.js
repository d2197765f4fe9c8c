// The family's own voice: record the words in the browser (MediaRecorder), listen, and send the
// recording through the same form as an uploaded file. Without MediaRecorder or a microphone the
// page says so and the upload form remains.
(function () {
  const box = document.getElementById("family-voice");
  if (!box) return;
  const recorder = document.getElementById("recorder");
  const start = document.getElementById("record-start");
  const stop = document.getElementById("record-stop");
  const time = document.getElementById("record-time");
  const preview = document.getElementById("record-preview");
  const message = document.getElementById("record-message");
  const form = document.getElementById("recording-form");
  const input = document.getElementById("id_audio");
  const maxSeconds = parseInt(box.dataset.maxSeconds, 10) || 300;
  const say = function (text) { message.textContent = text || ""; };

  const canRecord = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
  if (!canRecord) { say(box.dataset.msgCannot); return; }
  recorder.hidden = false;

  // What this browser records: Opus in WebM (Chrome, Firefox, Edge) or Ogg, AAC in MP4 (Safari).
  const TYPES = [["audio/webm;codecs=opus", "webm"], ["audio/webm", "webm"], ["audio/ogg;codecs=opus", "ogg"], ["audio/mp4", "m4a"]];
  const chosen = TYPES.find(function (t) { return MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(t[0]); });

  let media = null, stream = null, chunks = [], timer = null, started = 0, recorded = null;

  function extensionOf(type) {
    if (/mp4|aac|m4a/.test(type)) return "m4a";
    if (/ogg/.test(type)) return "ogg";
    return "webm";
  }

  function tick() {
    const seconds = Math.floor((Date.now() - started) / 1000);
    time.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    if (seconds >= maxSeconds) finish();
  }

  function finish() {
    if (media && media.state !== "inactive") media.stop();
    clearInterval(timer);
    stop.disabled = true;
    start.disabled = false;
  }

  start.addEventListener("click", function () {
    say("");
    start.disabled = true;
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
      stream = s;
      chunks = [];
      media = chosen ? new MediaRecorder(stream, { mimeType: chosen[0] }) : new MediaRecorder(stream);
      media.addEventListener("dataavailable", function (event) { if (event.data && event.data.size) chunks.push(event.data); });
      media.addEventListener("stop", function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        const type = (media.mimeType || (chosen && chosen[0]) || "audio/webm").split(";")[0];
        recorded = new File(chunks, "recording." + extensionOf(type), { type: type });
        preview.src = URL.createObjectURL(recorded);
        preview.hidden = false;
        try {
          const transfer = new DataTransfer();
          transfer.items.add(recorded);
          input.files = transfer.files;  // the form sends it like a chosen file
        } catch (e) {
          input.required = false;  // older browsers: sent by fetch on submit, below
        }
        say(box.dataset.msgRecorded);
      });
      media.start(1000);
      started = Date.now();
      tick();
      timer = setInterval(tick, 500);
      stop.disabled = false;
      say(box.dataset.msgRecording);
    }).catch(function (error) {
      start.disabled = false;
      const name = error && error.name;
      if (name === "NotAllowedError" || name === "SecurityError") say(box.dataset.msgDenied);
      else if (name === "NotFoundError" || name === "OverconstrainedError") say(box.dataset.msgNoMicrophone);
      else say(box.dataset.msgFailed);
    });
  });

  stop.addEventListener("click", finish);

  // Where a recording could not be put into the file field, send it along with the form.
  form.addEventListener("submit", function (event) {
    if (!recorded || (input.files && input.files.length)) return;
    event.preventDefault();
    say(box.dataset.msgSending);
    const data = new FormData(form);
    data.set("audio", recorded, recorded.name);
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" }).then(function (response) {
      if (response.redirected) { window.location = response.url; return; }
      return response.text().then(function (html) {  // refused: the page with the reason
        document.open();
        document.write(html);
        document.close();
      });
    }).catch(function () { say(box.dataset.msgFailed); });
  });
})();
