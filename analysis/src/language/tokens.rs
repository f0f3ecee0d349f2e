//! Text into the integer tensors BERT-style models read: token ids, the attention mask
//! and segment ids, a batch padded to its longest text, and where each token came from in
//! the text (to give entities back as the words they cover).

use std::path::Path;

use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use crate::inference::{Ints, ModelError};

/// A tokenizer that cuts texts at `max_tokens` and pads a batch to its longest text.
pub fn load(path: &Path, max_tokens: usize) -> Result<Tokenizer, ModelError> {
    let failed = |e: tokenizers::Error| ModelError::Runtime(format!("tokenizer {}: {e}", path.display()));
    let mut tokenizer = Tokenizer::from_file(path).map_err(failed)?;
    tokenizer
        .with_truncation(Some(TruncationParams { max_length: max_tokens, ..Default::default() }))
        .map_err(failed)?
        .with_padding(Some(PaddingParams { strategy: PaddingStrategy::BatchLongest, ..Default::default() }));
    Ok(tokenizer)
}

/// Encodes the texts in batches of at most `size`, like lengths together (less padding),
/// and gives each batch to `run`, which returns one result per text of the batch; the
/// results come back in the texts' order.
pub fn in_batches<T: Clone + Default>(
    tokenizer: &Tokenizer,
    texts: &[&str],
    size: usize,
    mut run: impl FnMut(&[&str], &Batch) -> Result<Vec<T>, ModelError>,
) -> Result<Vec<T>, ModelError> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| texts[i].len());
    let mut results = vec![T::default(); texts.len()];
    for chunk in order.chunks(size) {
        let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
        let encoded = Batch::encode(tokenizer, &batch)?;
        for (&i, result) in chunk.iter().zip(run(&batch, &encoded)?) {
            results[i] = result;
        }
    }
    Ok(results)
}

/// A batch of texts as model inputs.
#[derive(Debug)]
pub struct Batch {
    pub ids: Ints,
    pub mask: Ints,
    pub type_ids: Ints,
    /// Per text and token: the byte range of the text it stands for ((0, 0) for the
    /// special and padding tokens), and the word it is part of.
    pub offsets: Vec<Vec<(usize, usize)>>,
    pub words: Vec<Vec<Option<u32>>>,
}

impl Batch {
    pub fn encode(tokenizer: &Tokenizer, texts: &[&str]) -> Result<Self, ModelError> {
        let encodings =
            tokenizer.encode_batch(texts.to_vec(), true).map_err(|e| ModelError::Runtime(format!("tokenizer: {e}")))?;
        let length = encodings.iter().map(|e| e.len()).max().unwrap_or(0);
        let shape = vec![texts.len(), length];
        let ints = |pick: &dyn Fn(&tokenizers::Encoding) -> &[u32]| Ints {
            shape: shape.clone(),
            data: encodings.iter().flat_map(|e| pick(e).iter().map(|&v| i64::from(v))).collect(),
        };
        Ok(Self {
            ids: ints(&|e| e.get_ids()),
            mask: ints(&|e| e.get_attention_mask()),
            type_ids: ints(&|e| e.get_type_ids()),
            offsets: encodings.iter().map(|e| e.get_offsets().to_vec()).collect(),
            words: encodings.iter().map(|e| e.get_word_ids().to_vec()).collect(),
        })
    }

    /// The inputs by the names BERT exports use; `token_type_ids` only if the model has it.
    pub fn inputs(&self, model_inputs: &[String]) -> Vec<(&'static str, Ints)> {
        let mut inputs = vec![("input_ids", self.ids.clone()), ("attention_mask", self.mask.clone())];
        if model_inputs.iter().any(|n| n == "token_type_ids") {
            inputs.push(("token_type_ids", self.type_ids.clone()));
        }
        inputs
    }

    /// Tokens per text, padding included.
    pub fn length(&self) -> usize {
        self.ids.shape[1]
    }
}
