//! A BERT encoder written for inference throughput: fused QKV projection,
//! packed AVX-512 linear layers ([`PackedLinear`]) with GELU or residual
//! add + LayerNorm fused into their epilogue, fused CPU attention
//! ([`attention`]), one additive mask shared by all layers. Numerically the same model as
//! `candle_transformers::models::bert` (checked against the
//! sentence-transformers reference in the tests).

use candle_core::{DType, Module, Result, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{Config, HiddenAct};

use super::attention::attention;
use super::layer_norm::LayerNorm;
use super::packed_linear::PackedLinear;

fn linear(vb: VarBuilder, in_dim: usize, out_dim: usize) -> Result<PackedLinear> {
    PackedLinear::new(
        vb.get((out_dim, in_dim), "weight")?,
        vb.get(out_dim, "bias")?,
    )
}

struct Layer {
    qkv: PackedLinear,
    attn_out: PackedLinear,
    attn_norm: LayerNorm,
    /// Intermediate dense layer with GELU fused in when `act` is exact GELU.
    inter: PackedLinear,
    out: PackedLinear,
    out_norm: LayerNorm,
}

/// The encoder; `forward` returns the last hidden states `(b, l, hidden)`.
pub(crate) struct BertNet {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    emb_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
    head_dim: usize,
    act: HiddenAct,
}

impl BertNet {
    pub(crate) fn load(vb: VarBuilder, cfg: &Config) -> Result<Self> {
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let h = cfg.hidden_size;
        let e = vb.pp("embeddings");
        let word = e.get((cfg.vocab_size, h), "word_embeddings.weight")?;
        let position = e.get(
            (cfg.max_position_embeddings, h),
            "position_embeddings.weight",
        )?;
        let token_type = e.get((cfg.type_vocab_size, h), "token_type_embeddings.weight")?;
        let emb_norm = LayerNorm::load(e.pp("LayerNorm"), h, cfg.layer_norm_eps)?;
        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for i in 0..cfg.num_hidden_layers {
            let l = vb.pp(format!("encoder.layer.{i}"));
            let s = l.pp("attention.self");
            let w = Tensor::cat(
                &[
                    s.get((h, h), "query.weight")?,
                    s.get((h, h), "key.weight")?,
                    s.get((h, h), "value.weight")?,
                ],
                0,
            )?;
            let b = Tensor::cat(
                &[
                    s.get(h, "query.bias")?,
                    s.get(h, "key.bias")?,
                    s.get(h, "value.bias")?,
                ],
                0,
            )?;
            layers.push(Layer {
                qkv: PackedLinear::new(w, b)?,
                attn_out: linear(l.pp("attention.output.dense"), h, h)?,
                attn_norm: LayerNorm::load(
                    l.pp("attention.output.LayerNorm"),
                    h,
                    cfg.layer_norm_eps,
                )?,
                inter: PackedLinear::with_gelu(
                    l.pp("intermediate.dense")
                        .get((cfg.intermediate_size, h), "weight")?,
                    l.pp("intermediate.dense")
                        .get(cfg.intermediate_size, "bias")?,
                    cfg.hidden_act == HiddenAct::Gelu,
                )?,
                out: linear(l.pp("output.dense"), cfg.intermediate_size, h)?,
                out_norm: LayerNorm::load(l.pp("output.LayerNorm"), h, cfg.layer_norm_eps)?,
            });
        }
        if cfg.num_attention_heads == 0 || !h.is_multiple_of(cfg.num_attention_heads) {
            candle_core::bail!(
                "hidden size {h} not divisible by {} heads",
                cfg.num_attention_heads
            );
        }
        Ok(Self {
            word,
            position,
            token_type,
            emb_norm,
            layers,
            heads: cfg.num_attention_heads,
            head_dim: h / cfg.num_attention_heads,
            act: cfg.hidden_act,
        })
    }

    /// `ids` and `mask` are `(b, l)` u32; token types are all 0.
    pub(crate) fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, l) = ids.dims2()?;
        let h = self.heads * self.head_dim;
        let words = self
            .word
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, l, h))?;
        let pos = self.position.narrow(0, 0, l)?;
        let tt = self.token_type.narrow(0, 0, 1)?;
        let x = words.broadcast_add(&pos.broadcast_add(&tt)?)?;
        let mut x = self.emb_norm.forward(&x)?;
        // (b, l): 0 for real tokens, a large negative for padding.
        let neg = ((mask.to_dtype(DType::F32)? - 1.0)? * 1e9)?;
        for layer in &self.layers {
            let qkv = layer.qkv.forward(&x)?;
            let ctx = attention(&qkv, &neg, self.heads, self.head_dim)?;
            let attn = layer
                .attn_out
                .forward_add_norm(&ctx, &x, &layer.attn_norm)?;
            let inter = layer.inter.forward(&attn)?;
            let inter = match self.act {
                HiddenAct::Gelu => inter, // fused into `inter`
                HiddenAct::GeluApproximate => inter.gelu()?,
                HiddenAct::Relu => inter.relu()?,
            };
            x = layer.out.forward_add_norm(&inter, &attn, &layer.out_norm)?;
        }
        Ok(x)
    }
}
