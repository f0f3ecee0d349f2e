// Runs a TF.js graph model with TF.js itself (pure-JavaScript CPU backend) on raw inputs,
// so that models/check_nanodet.py can compare the original with the converted ONNX file.
//
// Usage: TFJS_NODE_MODULES=DIR node check_tfjs.cjs MODEL_JSON OUT_DIR INPUT.f32...
//
// DIR is a node_modules folder holding @tensorflow/tfjs (the native @tensorflow/tfjs-node
// would download a binary at install time, which cannot work offline). Each INPUT.f32 is
// little-endian float32 in the shape of the model's one input (a free batch dimension is
// read from the file's length). For each input, every
// output of the model's signature is written to OUT_DIR/<input name>.<output>.f32 (output
// names with "/" get "_"), and OUT_DIR/outputs.json gives each output's shape.

const fs = require("fs");
const path = require("path");

const tf = require(require.resolve("@tensorflow/tfjs", { paths: [process.env.TFJS_NODE_MODULES] }));

async function loadGraphModel(modelJson) {
  // The weight shards are read here and handed over with the graph: no fetch, no http.
  const model = JSON.parse(fs.readFileSync(modelJson, "utf8"));
  const weightSpecs = [];
  const shards = [];
  for (const group of model.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const shard of group.paths) shards.push(fs.readFileSync(path.join(path.dirname(modelJson), shard)));
  }
  const bytes = Buffer.concat(shards);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const artifacts = {
    modelTopology: model.modelTopology,
    format: model.format,
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy,
    signature: model.signature,
    weightSpecs,
    weightData,
  };
  return { graph: await tf.loadGraphModel(tf.io.fromMemory(artifacts)), signature: model.signature };
}

async function main() {
  const [modelJson, outDir, ...inputs] = process.argv.slice(2);
  await tf.setBackend("cpu");
  const { graph, signature } = await loadGraphModel(modelJson);
  const [input] = Object.values(signature.inputs);
  const shape = input.tensorShape.dim.map((d) => Number(d.size));
  const outputNames = Object.keys(signature.outputs);
  const shapes = {};
  for (const file of inputs) {
    const raw = fs.readFileSync(file);
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const perItem = shape.slice(1).reduce((a, b) => a * b, 1);
    const x = tf.tensor(values, shape[0] < 0 ? [values.length / perItem, ...shape.slice(1)] : shape, "float32");
    const started = Date.now();
    const executed = graph.execute(x, outputNames);
    const results = Array.isArray(executed) ? executed : [executed]; // one output comes bare
    const base = path.basename(file, ".f32");
    for (let i = 0; i < outputNames.length; i++) {
      const data = results[i].dataSync();
      const file = `${base}.${outputNames[i].replace(/\//g, "_")}.f32`;
      fs.writeFileSync(path.join(outDir, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      shapes[outputNames[i]] = results[i].shape;
    }
    tf.dispose([x, ...results]);
    console.log(`tfjs ${base}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  fs.writeFileSync(path.join(outDir, "outputs.json"), JSON.stringify(shapes));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
