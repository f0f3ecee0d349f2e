// Runs a TF.js model, graph or Keras layers, with TF.js itself (pure-JavaScript CPU backend)
// on raw inputs, so that a check script can compare the original with the converted ONNX
// file (models/check_nsfwjs.py, models/check_faces.py). Like check_tfjs.cjs, which
// handles graph models only, plus: layers models (tf.loadLayersModel), a signature kept
// in userDefinedMetadata (older converters), and nsfwjs's own picture preparation.
//
// Usage: TFJS_NODE_MODULES=DIR node check_tfjs_models.cjs MODEL_JSON OUT_DIR [--nsfwjs SIZE] INPUT...
//
// DIR is a node_modules folder holding @tensorflow/tfjs. MODEL_JSON's weight shards are
// read from beside it. Each INPUT is either
//   NAME.f32          little-endian float32 in the shape of the model's one input (a free
//                     batch dimension is read from the file's length), or
//   NAME.HxW.rgb      (with --nsfwjs SIZE) raw 8-bit RGB pixels, H rows of W, prepared as
//                     nsfwjs 4.4.0 prepares a picture: toFloat().div(255), then
//                     tf.image.resizeBilinear(x, [SIZE, SIZE], alignCorners = true); the
//                     prepared tensor is written to OUT_DIR/NAME.input.f32.
// For each input, every output is written to OUT_DIR/NAME.<output>.f32 (graph models: the
// signature's output keys, "/" and ":" made "_"; layers models: "output"), and
// OUT_DIR/outputs.json gives each output's shape and its file-name part.

const fs = require("fs");
const path = require("path");

const tf = require(require.resolve("@tensorflow/tfjs", { paths: [process.env.TFJS_NODE_MODULES] }));

function artifactsOf(modelJson) {
  // The weight shards are read here and handed over with the model: no fetch, no http.
  const model = JSON.parse(fs.readFileSync(modelJson, "utf8"));
  const weightSpecs = [];
  const shards = [];
  for (const group of model.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const shard of group.paths) shards.push(fs.readFileSync(path.join(path.dirname(modelJson), shard)));
  }
  const bytes = Buffer.concat(shards);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return {
    model,
    artifacts: {
      modelTopology: model.modelTopology,
      format: model.format,
      generatedBy: model.generatedBy,
      convertedBy: model.convertedBy,
      signature: model.signature,
      userDefinedMetadata: model.userDefinedMetadata,
      weightSpecs,
      weightData,
    },
  };
}

async function load(modelJson) {
  const { model, artifacts } = artifactsOf(modelJson);
  if (model.format === "graph-model") {
    const graph = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    const signature = model.signature || (model.userDefinedMetadata || {}).signature;
    const [input] = Object.values(signature.inputs);
    const outputs = Object.keys(signature.outputs);
    return {
      inputShape: input.tensorShape.dim.map((d) => Number(d.size)),
      outputs,
      run: (x) => {
        const executed = graph.execute(x, outputs);
        return Array.isArray(executed) ? executed : [executed]; // one output comes bare
      },
    };
  }
  const layers = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return {
    inputShape: layers.inputs[0].shape.map((d) => (d == null ? -1 : d)),
    outputs: ["output"],
    run: (x) => [layers.predict(x)],
  };
}

async function main() {
  const args = process.argv.slice(2);
  const [modelJson, outDir] = args.splice(0, 2);
  let nsfwjsSize = 0;
  if (args[0] === "--nsfwjs") nsfwjsSize = Number(args.splice(0, 2)[1]);
  await tf.setBackend("cpu");
  const model = await load(modelJson);
  const shape = model.inputShape;
  const shapes = {};
  for (const file of args) {
    let x;
    let base;
    const rgb = /^(.*)\.(\d+)x(\d+)\.rgb$/.exec(path.basename(file));
    if (rgb) {
      if (!nsfwjsSize) throw new Error(`${file}: raw pixels need --nsfwjs SIZE`);
      base = rgb[1];
      const [h, w] = [Number(rgb[2]), Number(rgb[3])];
      const pixels = tf.tensor3d(new Int32Array(fs.readFileSync(file)), [h, w, 3], "int32");
      x = tf.tidy(() => {
        const normalized = pixels.toFloat().div(tf.scalar(255));
        const resized = (h !== nsfwjsSize || w !== nsfwjsSize)
          ? tf.image.resizeBilinear(normalized, [nsfwjsSize, nsfwjsSize], true) : normalized;
        return resized.reshape([1, nsfwjsSize, nsfwjsSize, 3]);
      });
      tf.dispose(pixels);
      const prepared = x.dataSync();
      fs.writeFileSync(path.join(outDir, `${base}.input.f32`),
                       Buffer.from(prepared.buffer, prepared.byteOffset, prepared.byteLength));
    } else {
      base = path.basename(file, ".f32");
      const raw = fs.readFileSync(file);
      const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const perItem = shape.slice(1).reduce((a, b) => a * b, 1);
      x = tf.tensor(values, shape[0] < 0 ? [values.length / perItem, ...shape.slice(1)] : shape, "float32");
    }
    const started = Date.now();
    const results = model.run(x);
    for (let i = 0; i < model.outputs.length; i++) {
      const data = results[i].dataSync();
      const part = model.outputs[i].replace(/[/:]/g, "_");
      fs.writeFileSync(path.join(outDir, `${base}.${part}.f32`), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      shapes[model.outputs[i]] = { shape: results[i].shape, file: part };
    }
    tf.dispose([x, ...results]);
    console.log(`tfjs ${base}: ${((Date.now() - started) / 1000).toFixed(2)} s`);
  }
  fs.writeFileSync(path.join(outDir, "outputs.json"), JSON.stringify(shapes));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
