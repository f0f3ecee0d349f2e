//! Sentence embeddings with all-MiniLM-L6-v2 (int8): the token vectors averaged over the
//! sentence's real tokens and scaled to length one, so a dot product is the cosine.

use tokenizers::Tokenizer;

use super::tokens;
use crate::inference::{Model, ModelError, Models};

/// Numbers per embedding.
pub const DIMENSIONS: usize = 384;
/// The model's name where embeddings are stored, so a later model is not mixed with it.
pub const MODEL: &str = "all-MiniLM-L6-v2";
/// The length the model was trained on; longer sentences are cut.
const MAX_TOKENS: usize = 256;
const BATCH: usize = 32;

#[derive(Debug)]
pub struct Embedder {
    model: Model,
    inputs: Vec<String>,
    tokenizer: Tokenizer,
}

impl Embedder {
    pub fn new(models: &Models) -> Result<Self, ModelError> {
        let model = models.load("minilm/model.onnx")?;
        let inputs = model.inputs()?;
        let tokenizer = tokens::load(&models.dir().join("minilm/tokenizer.json"), MAX_TOKENS)?;
        Ok(Self { model, inputs, tokenizer })
    }

    /// One unit vector per text, in order. Blocking.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        tokens::in_batches(&self.tokenizer, texts, BATCH, |batch, encoded| {
            let outputs = self.model.run_ints(encoded.inputs(&self.inputs))?;
            let hidden = &outputs.first().ok_or_else(|| ModelError::Runtime("MiniLM gave no output".into()))?.1;
            let length = encoded.length();
            if hidden.shape != [batch.len(), length, DIMENSIONS] {
                return Err(ModelError::Runtime(format!("MiniLM gave shape {:?}", hidden.shape)));
            }
            let rows = hidden.data.chunks_exact(length * DIMENSIONS).zip(encoded.mask.data.chunks_exact(length));
            Ok(rows.map(|(tokens, mask)| mean_pool(tokens, mask)).collect())
        })
    }
}

/// The average of the vectors the mask keeps, scaled to length one.
fn mean_pool(tokens: &[f32], mask: &[i64]) -> Vec<f32> {
    let mut sum = vec![0f32; DIMENSIONS];
    let mut kept = 0f32;
    for (vector, &on) in tokens.chunks_exact(DIMENSIONS).zip(mask) {
        if on != 0 {
            sum.iter_mut().zip(vector).for_each(|(s, v)| *s += v);
            kept += 1.0;
        }
    }
    sum.iter_mut().for_each(|s| *s /= kept.max(1.0));
    normalise(&mut sum);
    sum
}

pub fn normalise(vector: &mut [f32]) {
    let length = vector.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
    vector.iter_mut().for_each(|v| *v /= length);
}

/// The cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
