// The VAE's network (vae_net.h): encoder, decoder and learned sigmas in one LibTorch module.
// Private to the generators module and its tests; includes <torch/torch.h>.
#pragma once

#include <cstdint>

#include "torch_blocks.h"
#include "vae_net.h"

namespace imbgen {

// The encoder, the decoder and the learned sigmas in one module, so one save/load covers them.
// Registered in this order; init_linear_layers draws the encoder's weights, then the decoder's.
struct VaeModuleImpl : torch::nn::Module {
  explicit VaeModuleImpl(const VaeNetOptions& o)
      : encoder(register_module("encoder",
                                Mlp(static_cast<int64_t>(o.data_dim + o.cond_dim), o.encoder_hidden,
                                    2 * static_cast<int64_t>(o.latent_dim), MlpOptions{}))),
        decoder(register_module(
            "decoder",
            Mlp(static_cast<int64_t>(o.latent_dim + o.cond_dim), o.decoder_hidden,
                static_cast<int64_t>(o.row_sigma ? 2 * o.data_dim : o.data_dim), MlpOptions{}))),
        sigma(register_parameter("sigma",
                                 torch::full({static_cast<int64_t>(o.data_dim)}, o.sigma_init))) {}

  Mlp encoder;
  Mlp decoder;
  torch::Tensor sigma;  // [data_dim]; only the Gaussian columns' entries are used (not row_sigma)
};
TORCH_MODULE(VaeModule);

}  // namespace imbgen
