#!/usr/bin/env python3
"""make_fixtures.py — writes tests/data/reference/*.txt: one update of DDPG, PPO, A2C, TRPO and QAC
computed by PyTorch in float64, for tests/test_reference.c to replay in rlc.
It is a developer tool: the build and CI never run it and need no PyTorch; they read the
fixtures it wrote. It does not import Stable-Baselines3 — each formula is written out below,
following the SB3 function named beside it.

Usage: python3 tests/reference/make_fixtures.py   (Debian's python3-torch; rewrites the files)

Fixture format, one file per case: lines starting with '#' are comments; every other line is
one named array, `name count v1 v2 ... v_count`, each value the shortest decimal that reads
back to the same double (Python's repr). Network parameters are stored in rlc's flat layout:
per linear layer W (out x in, row-major, as torch.nn.Linear.weight) then b; a policy is
actor | log_std | critic (include/rlc/mlp.h, include/rlc/policy.h), so the C test copies them
straight into the flat vectors. Gradients use the same layout.

The batches are chosen so that every branch a loss has is taken by some rows (PPO ratios above
1 + eps and below 1 - eps with the advantage's sign that makes the clip bind, value deltas
beyond clip_range_vf, a gradient norm above max_grad_norm, terminal and non-terminal
transitions), and no ReLU input, clip boundary or min() comparison lies within 1e-6 of its
switching point, where rounding differences between PyTorch and rlc could flip a branch.
"""
import math
import os

import torch
import torch.nn.functional as F
from torch import nn

torch.set_default_dtype(torch.float64)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "reference")
MARGIN = 1e-6  # no branch point closer than this to any value that decides it
CG_AMPLIFICATION = 100.0  # at most this rounding amplification in TRPO's CG direction


class Fixture:
    """Named arrays written in order to one text file."""

    def __init__(self, case, description):
        self.case = case
        self.lines = [f"# {case}: {description}",
                      "# written by tests/reference/make_fixtures.py (PyTorch "
                      f"{torch.__version__.split('+')[0]}, float64); do not edit by hand"]

    def put(self, name, x):
        if isinstance(x, torch.Tensor):
            vals = x.detach().reshape(-1).tolist()
        elif isinstance(x, (list, tuple)):
            vals = list(x)
        else:
            vals = [x]
        self.lines.append(" ".join([name, str(len(vals))] + [repr(v) for v in vals]))

    def write(self):
        os.makedirs(OUT, exist_ok=True)
        path = os.path.join(OUT, self.case + ".txt")
        with open(path, "w") as f:
            f.write("\n".join(self.lines) + "\n")
        print(f"{os.path.relpath(path)}: {os.path.getsize(path)} bytes")


def flat(params):
    """Parameters (or their gradients) in rlc's flat layout: the order torch lists them."""
    return torch.cat([p.detach().reshape(-1) for p in params])


def flat_grad(params):
    return torch.cat([p.grad.detach().reshape(-1) for p in params])


def mlp(sizes, act):
    """torch.nn.Sequential of Linear layers with `act` between them, none after the last;
    its parameters() are W0, b0, W1, b1, ... as rlc's flat vector."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i:
            layers.append(act())
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


def forward(net, x):
    """net(x), checking that no ReLU input lies within MARGIN of 0."""
    for layer in net:
        if isinstance(layer, nn.ReLU):
            assert x.abs().min() > MARGIN, "a ReLU input is too close to 0; pick another seed"
        x = layer(x)
    return x


def away_from(x, points):
    return all((x - p).abs().min() > MARGIN for p in points)


# --- DDPG -------------------------------------------------------------------------------------
# stable_baselines3/td3/td3.py, TD3.train (DDPG is TD3 with one critic, policy_delay 1 and its
# target policy noise clipped to 0, stable_baselines3/ddpg/ddpg.py): the target actor and
# critic give y = r + (1 - done) * gamma * Q'(s', mu'(s')) without gradient; the critic takes
# one optimiser step on mse(Q(s, a), y); then the actor, with the critic as just updated,
# takes one step on -mean Q(s, mu(s)); then both targets move by polyak_update
# (stable_baselines3/common/utils.py): theta' <- (1 - tau) theta' + tau theta.
# rlc's difference, which the case follows: the actor acts in environment units,
# mu(s) = scale * tanh(net(s)) + shift (SB3 keeps [-1, 1] and rescales outside), and the critic
# sees concat(s, a) in those units. As in SB3, hidden layers are ReLU and "done" is
# `terminated` alone (SB3's replay buffer drops time-limit ends from it). Both optimisers are
# torch.optim.Adam with rlc's defaults (betas 0.9, 0.999, eps 1e-8), as SB3's TD3 policy.

def ddpg_case():
    torch.manual_seed(20240611)
    obs_dim, act_dim, hidden, n = 3, 2, [5, 4], 8
    gamma, tau, lr = 0.99, 0.05, 0.01
    scale = torch.tensor([2.0, 0.5])
    shift = torch.tensor([0.0, 1.0])  # bounds [-2, 2] and [0.5, 1.5]

    actor = mlp([obs_dim] + hidden + [act_dim], nn.ReLU)
    critic = mlp([obs_dim + act_dim] + hidden + [1], nn.ReLU)
    actor_target = mlp([obs_dim] + hidden + [act_dim], nn.ReLU)
    critic_target = mlp([obs_dim + act_dim] + hidden + [1], nn.ReLU)
    with torch.no_grad():  # targets some Polyak steps behind: close to, not equal to, the nets
        for t, s in ((actor_target, actor), (critic_target, critic)):
            for pt, ps in zip(t.parameters(), s.parameters()):
                pt.copy_(ps + 0.1 * torch.randn_like(ps))

    obs = torch.rand(n, obs_dim) * 2 - 1
    actions = shift + scale * (torch.rand(n, act_dim) * 2 - 1)
    rewards = torch.randn(n, 1) - 1.0
    terminated = torch.tensor([0., 1., 0., 0., 0., 1., 0., 0.]).reshape(n, 1)
    next_obs = torch.rand(n, obs_dim) * 2 - 1

    def mu(net, s):
        return scale * torch.tanh(forward(net, s)) + shift

    def q(net, s, a):
        return forward(net, torch.cat([s, a], dim=1))

    f = Fixture("ddpg", "one DDPG update: critic step, actor step, both Polyak updates")
    f.put("obs_dim", obs_dim)
    f.put("act_dim", act_dim)
    f.put("hidden", hidden)
    f.put("gamma", gamma)
    f.put("tau", tau)
    f.put("learning_rate", lr)
    f.put("scale", scale)
    f.put("shift", shift)
    for name, net in (("actor", actor), ("critic", critic), ("actor_target", actor_target),
                      ("critic_target", critic_target)):
        f.put(name, flat(net.parameters()))
    f.put("obs", obs)
    f.put("actions", actions)
    f.put("rewards", rewards)
    f.put("terminated", terminated)
    f.put("next_obs", next_obs)

    with torch.no_grad():
        q_next = q(critic_target, next_obs, mu(actor_target, next_obs))
        y = rewards + (1 - terminated) * gamma * q_next
    f.put("q_next", q_next)
    f.put("y", y)

    critic_opt = torch.optim.Adam(critic.parameters(), lr=lr)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=lr)

    critic_loss = F.mse_loss(q(critic, obs, actions), y)
    critic_opt.zero_grad()
    critic_loss.backward()
    f.put("critic_loss", critic_loss)
    f.put("critic_grad", flat_grad(critic.parameters()))
    critic_opt.step()
    f.put("critic_after", flat(critic.parameters()))

    actor_loss = -q(critic, obs, mu(actor, obs)).mean()
    actor_opt.zero_grad()
    actor_loss.backward()  # also reaches critic's .grad, which nothing reads: SB3 zeroes it first
    f.put("actor_loss", actor_loss)
    f.put("actor_grad", flat_grad(actor.parameters()))
    actor_opt.step()
    f.put("actor_after", flat(actor.parameters()))

    with torch.no_grad():
        for t, s in ((critic_target, critic), (actor_target, actor)):
            for pt, ps in zip(t.parameters(), s.parameters()):
                pt.mul_(1 - tau).add_(ps, alpha=tau)
    f.put("actor_target_after", flat(actor_target.parameters()))
    f.put("critic_target_after", flat(critic_target.parameters()))
    f.write()
    print(f"  critic loss {critic_loss.item():.6g}, actor loss {actor_loss.item():.6g}")


# --- the on-policy policy -----------------------------------------------------------------------
# stable_baselines3/common/policies.py, ActorCriticPolicy with separate actor and critic networks
# (net_arch=dict(pi=..., vf=...)): evaluate_actions gives V(s), log pi(a|s) and the entropy.
# stable_baselines3/common/distributions.py: DiagGaussianDistribution is Normal(mean, exp(log_std))
# with a state-independent log_std parameter, log-probability and entropy summed over action
# dimensions; CategoricalDistribution is Categorical(logits=...).

class Policy:
    def __init__(self, obs_dim, hidden, act, dist, n_out, log_std_init=0.0):
        self.dist = dist
        self.actor = mlp([obs_dim] + hidden + [n_out], act)
        self.critic = mlp([obs_dim] + hidden + [1], act)
        self.log_std = (nn.Parameter(torch.full((n_out,), log_std_init))
                        if dist == "gaussian" else None)

    def parameters(self):
        """All parameters, in the order they are drawn in: actor, critic, log_std."""
        ps = list(self.actor.parameters()) + list(self.critic.parameters())
        return ps + ([self.log_std] if self.log_std is not None else [])

    def rlc_order(self):
        """All parameters in rlc's flat layout: actor | log_std | critic."""
        ps = list(self.actor.parameters())
        ps += [self.log_std] if self.log_std is not None else []
        return ps + list(self.critic.parameters())

    def evaluate_actions(self, obs, actions):
        out = forward(self.actor, obs)
        values = forward(self.critic, obs).flatten()
        if self.dist == "gaussian":
            d = torch.distributions.Normal(out, torch.ones_like(out) * self.log_std.exp())
            return values, d.log_prob(actions).sum(dim=1), d.entropy().sum(dim=1)
        d = torch.distributions.Categorical(logits=out)
        return values, d.log_prob(actions.long().flatten()), d.entropy()

    def sample(self, obs):
        """Actions drawn from pi(.|obs): mean + std * N(0, 1) draws, or the inverse CDF of
        uniform draws over the softmax (fixed draws from torch's seeded generator)."""
        with torch.no_grad():
            out = forward(self.actor, obs)
            if self.dist == "gaussian":
                return out + self.log_std.exp() * torch.randn_like(out)
            cdf = torch.softmax(out, dim=1).cumsum(dim=1)
            u = torch.rand(obs.shape[0], 1)
            return (u > cdf).sum(dim=1, keepdim=True).clamp(max=out.shape[1] - 1).double()


def make_policy(dist, obs_dim, hidden, act, n_out):
    p = Policy(obs_dim, hidden, act, dist, n_out, log_std_init=-0.5)
    with torch.no_grad():  # a policy some updates into training: larger weights than at init
        for w in p.parameters():
            w.mul_(1.5)
    return p


def put_policy_header(f, p, obs_dim, hidden, act_name, n_out):
    f.put("obs_dim", obs_dim)
    f.put("hidden", hidden)
    f.put("relu", 1 if act_name == "relu" else 0)
    f.put("gaussian", 1 if p.dist == "gaussian" else 0)
    f.put("n_out", n_out)  # Box dimension, or number of discrete actions


def normalize(adv):
    """SB3's per-minibatch advantage normalisation: sample std (torch's default, ddof 1)."""
    return (adv - adv.mean()) / (adv.std() + 1e-8)


def clip_and_step(f, p, loss, opt, max_grad_norm):
    """SB3's optimisation step (PPO.train and A2C.train alike): zero_grad, backward,
    torch.nn.utils.clip_grad_norm_ over all the policy's parameters, optimizer.step()."""
    opt.zero_grad()
    loss.backward()
    f.put("grad", flat_grad(p.rlc_order()))
    norm = torch.nn.utils.clip_grad_norm_(p.parameters(), max_grad_norm)
    assert norm > max_grad_norm * 1.5, f"gradient norm {norm} does not exceed max_grad_norm"
    f.put("grad_norm", norm)
    f.put("grad_clipped", flat_grad(p.rlc_order()))
    before = flat(p.rlc_order())
    opt.step()
    after = flat(p.rlc_order())
    f.put("params_after", after)
    f.put("update", after - before)
    return norm


# --- PPO ----------------------------------------------------------------------------------------
# stable_baselines3/ppo/ppo.py, PPO.train, for one minibatch: advantages normalised over the
# minibatch; ratio = exp(log pi(a|s) - old_log_prob); policy loss
# -mean(min(A * ratio, A * clamp(ratio, 1 - clip_range, 1 + clip_range))); values clipped to
# old_values +- clip_range_vf before value loss = mse(returns, values_pred); entropy loss
# -mean(entropy); loss = policy_loss + ent_coef * entropy_loss + vf_coef * value_loss; then
# clip_and_step above with torch.optim.Adam(eps=1e-5), the optimiser SB3's ActorCriticPolicy
# builds for PPO. The minibatch is the first batch_size rows of a permutation of the rollout
# (stable_baselines3/common/buffers.py, RolloutBuffer.get). The rollout was collected by an
# older policy ("old" parameters, a few updates back), so ratios are away from 1 as in a later
# epoch.

def ppo_case(name, dist, seed, obs_dim, hidden, act_name, n_out, old_noise):
    torch.manual_seed(seed)
    act = nn.ReLU if act_name == "relu" else nn.Tanh
    rows, batch = 12, 8
    clip_range, clip_range_vf, ent_coef, vf_coef = 0.2, 0.15, 0.05, 0.5
    max_grad_norm, lr = 0.5, 0.03

    p = make_policy(dist, obs_dim, hidden, act, n_out)
    old = make_policy(dist, obs_dim, hidden, act, n_out)
    with torch.no_grad():
        for po, pn in zip(old.parameters(), p.parameters()):
            po.copy_(pn + old_noise * torch.randn_like(pn))

    obs = torch.randn(rows, obs_dim)
    actions = old.sample(obs)
    with torch.no_grad():
        old_values, old_log_probs, _ = old.evaluate_actions(obs, actions)
    advantages = 0.7 + 1.5 * torch.randn(rows)  # as GAE left them: not centred, not unit
    returns = old_values + advantages
    perm = torch.randperm(rows)
    idx = perm[:batch]

    f = Fixture(name, f"one PPO minibatch step, {dist} policy")
    put_policy_header(f, p, obs_dim, hidden, act_name, n_out)
    for k, v in (("clip_range", clip_range), ("clip_range_vf", clip_range_vf),
                 ("ent_coef", ent_coef), ("vf_coef", vf_coef),
                 ("max_grad_norm", max_grad_norm), ("learning_rate", lr), ("eps", 1e-5)):
        f.put(k, v)
    f.put("params", flat(p.rlc_order()))
    f.put("params_old", flat(old.rlc_order()))
    f.put("rollout_obs", obs)
    f.put("rollout_actions", actions)
    f.put("rollout_log_probs", old_log_probs)
    f.put("rollout_values", old_values)
    f.put("rollout_advantages", advantages)
    f.put("rollout_returns", returns)
    f.put("perm", perm)
    f.put("batch_size", batch)

    mb_obs, mb_act = obs[idx], actions[idx]
    mb_adv = normalize(advantages[idx])
    f.put("advantages_normalized", mb_adv)
    values, log_prob, entropy = p.evaluate_actions(mb_obs, mb_act)
    log_ratio = log_prob - old_log_probs[idx]
    ratio = torch.exp(log_ratio)
    surr1 = mb_adv * ratio
    surr2 = mb_adv * torch.clamp(ratio, 1 - clip_range, 1 + clip_range)
    policy_loss = -torch.min(surr1, surr2).mean()
    delta = values - old_values[idx]
    values_pred = old_values[idx] + torch.clamp(delta, -clip_range_vf, clip_range_vf)
    value_loss = F.mse_loss(returns[idx], values_pred)
    entropy_loss = -torch.mean(entropy)
    loss = policy_loss + ent_coef * entropy_loss + vf_coef * value_loss

    # every branch taken, none decided by rounding
    hi = (ratio > 1 + clip_range) & (mb_adv > 0)
    lo = (ratio < 1 - clip_range) & (mb_adv < 0)
    inside = (ratio > 1 - clip_range) & (ratio < 1 + clip_range)
    assert hi.any() and lo.any() and inside.any(), (ratio, mb_adv)
    assert away_from(ratio, [1 - clip_range, 1 + clip_range])
    vclip = delta.abs() > clip_range_vf
    assert vclip.any() and (~vclip).any(), delta
    assert away_from(delta, [-clip_range_vf, clip_range_vf])
    assert (surr1 - surr2)[~inside].abs().min() > MARGIN

    f.put("log_ratio", log_ratio)
    f.put("policy_loss", policy_loss)
    f.put("value_loss", value_loss)
    f.put("entropy", entropy.mean())
    f.put("loss", loss)
    opt = torch.optim.Adam(p.parameters(), lr=lr, eps=1e-5)
    norm = clip_and_step(f, p, loss, opt, max_grad_norm)
    f.write()
    print(f"  ratios clipped high {int(hi.sum())}, low {int(lo.sum())}, "
          f"inside {int(inside.sum())}; values clipped {int(vclip.sum())} of {batch}; "
          f"grad norm {norm:.4g}")


# --- A2C ----------------------------------------------------------------------------------------
# stable_baselines3/a2c/a2c.py, A2C.train: the whole rollout is one batch; advantages normalised
# only with normalize_advantage; policy loss -mean(A * log pi(a|s)); value loss
# mse(returns, values); entropy loss -mean(entropy); the same sum and clip_and_step. The optimiser
# (A2C.__init__ and ActorCriticPolicy): torch.optim.RMSprop(alpha=0.99, eps=rms_prop_eps,
# weight_decay=0) with use_rms_prop, else torch.optim.Adam(eps=1e-5). torch's RMSprop adds eps
# outside the square root: theta -= lr * g / (sqrt(v) + eps).

def a2c_case(name, dist, seed, obs_dim, hidden, act_name, n_out, rms_prop, normalize_advantage):
    torch.manual_seed(seed)
    act = nn.ReLU if act_name == "relu" else nn.Tanh
    rows = 8
    ent_coef, vf_coef, max_grad_norm = 0.02, 0.5, 0.5
    lr, eps = (0.01, 1e-5)

    p = make_policy(dist, obs_dim, hidden, act, n_out)
    obs = torch.randn(rows, obs_dim)
    actions = p.sample(obs)
    advantages = 0.5 + 2.0 * torch.randn(rows)
    returns = 1.0 + 2.0 * torch.randn(rows)

    f = Fixture(name, f"one A2C step, {dist} policy, {'RMSprop' if rms_prop else 'Adam'}")
    put_policy_header(f, p, obs_dim, hidden, act_name, n_out)
    for k, v in (("ent_coef", ent_coef), ("vf_coef", vf_coef), ("max_grad_norm", max_grad_norm),
                 ("learning_rate", lr), ("rms_prop", 1 if rms_prop else 0),
                 ("eps", eps), ("normalize_advantage", 1 if normalize_advantage else 0)):
        f.put(k, v)
    f.put("params", flat(p.rlc_order()))
    f.put("obs", obs)
    f.put("actions", actions)
    f.put("advantages", advantages)
    f.put("returns", returns)

    adv = normalize(advantages) if normalize_advantage else advantages
    f.put("advantages_used", adv)
    values, log_prob, entropy = p.evaluate_actions(obs, actions)
    policy_loss = -(adv * log_prob).mean()
    value_loss = F.mse_loss(returns, values)
    entropy_loss = -torch.mean(entropy)
    loss = policy_loss + ent_coef * entropy_loss + vf_coef * value_loss
    f.put("policy_loss", policy_loss)
    f.put("value_loss", value_loss)
    f.put("entropy", entropy.mean())
    f.put("loss", loss)
    if rms_prop:
        opt = torch.optim.RMSprop(p.parameters(), lr=lr, alpha=0.99, eps=eps, weight_decay=0)
    else:
        opt = torch.optim.Adam(p.parameters(), lr=lr, eps=eps)
    norm = clip_and_step(f, p, loss, opt, max_grad_norm)
    f.write()
    print(f"  grad norm {norm:.4g}")


# --- TRPO ---------------------------------------------------------------------------------------
# sb3_contrib/trpo/trpo.py, TRPO.train, for one rollout that is one batch (batch_size = rows, one
# critic epoch, so the order rlc's generator shuffles the rows in changes only the summation order
# of the critic's mean): advantages normalised over the rollout; the surrogate
# L(theta) = mean(A * exp(log pi_theta(a|s) - old_log_prob)) and its gradient g over pi's
# parameters (actor | log_std); Fisher-vector products F v = Hessian of the mean
# KL(pi_theta0 || pi_theta) at theta0 (pi_theta0 detached), by double backward, plus
# cg_damping * v (TRPO.hessian_vector_product); the conjugate-gradient solution s of (F + lambda I)
# s = g from x0 = 0 (sb3_contrib/common/utils.py, conjugate_gradient_solver, written out below in
# rlc's order of operations, include/rlc/cg.h); beta = sqrt(2 target_kl / s^T (F + lambda I) s);
# the backtracking line search over fractions 1, f, f^2, ... of beta s, accepting the first with
# mean KL(pi_theta0 || pi_new) <= target_kl and L(new) - L(theta0) > 0, else restoring theta0;
# then n_critic_updates = 1 Adam step (eps 1e-8) of the critic alone on mse(returns, V). The
# rollout was collected by an older policy, so the ratios start away from 1.

def trpo_case(name, dist, seed, obs_dim, hidden, n_out, old_noise, target_kl, cg_damping,
              cg_max_steps, shrink, max_iter, sharpen=0.0):
    torch.manual_seed(seed)
    rows, lr = 10, 0.01
    p = make_policy(dist, obs_dim, hidden, nn.Tanh, n_out)
    old = make_policy(dist, obs_dim, hidden, nn.Tanh, n_out)
    with torch.no_grad():
        for po, pn in zip(old.parameters(), p.parameters()):
            po.copy_(pn + old_noise * torch.randn_like(pn))
    obs = torch.randn(rows, obs_dim)
    actions = old.sample(obs)
    with torch.no_grad():
        old_values, old_log_probs, _ = old.evaluate_actions(obs, actions)
    advantages = 0.7 + 1.5 * torch.randn(rows)
    if dist == "gaussian":  # favour actions near the mean: the step shrinks sigma, along which
        # the KL grows faster than its quadratic model, so the full step overshoots target_kl
        with torch.no_grad():
            z = (actions - forward(old.actor, obs)) / old.log_std.exp()
        advantages = advantages - sharpen * (z ** 2).sum(dim=1)
    returns = old_values + advantages
    adv = normalize(advantages)

    pi = list(p.actor.parameters()) + ([p.log_std] if dist == "gaussian" else [])
    n_pi = sum(q.numel() for q in pi)

    def distribution():
        out = forward(p.actor, obs)
        if dist == "gaussian":
            return torch.distributions.Normal(out, torch.ones_like(out) * p.log_std.exp())
        return torch.distributions.Categorical(logits=out)

    def surrogate():
        _, log_prob, _ = p.evaluate_actions(obs, actions)
        return (adv * torch.exp(log_prob - old_log_probs)).mean()

    with torch.no_grad():
        d0 = distribution()
        d0 = (torch.distributions.Normal(d0.loc.clone(), d0.scale.clone()) if dist == "gaussian"
              else torch.distributions.Categorical(logits=d0.logits.clone()))

    def mean_kl():
        kl = torch.distributions.kl_divergence(d0, distribution())
        return (kl.sum(dim=1) if dist == "gaussian" else kl).mean()

    def set_pi(theta):
        with torch.no_grad():
            i = 0
            for q in pi:
                q.copy_(theta[i:i + q.numel()].reshape(q.shape))
                i += q.numel()

    def fisher_product(v):
        grads = torch.autograd.grad(mean_kl(), pi, create_graph=True)
        gv = (torch.cat([g.reshape(-1) for g in grads]) * v).sum()
        hv = torch.autograd.grad(gv, pi)
        return torch.cat([h.reshape(-1) for h in hv]).detach() + cg_damping * v

    f = Fixture(name, f"one TRPO update, {dist} policy: natural-gradient step, line search, "
                "one critic step")
    put_policy_header(f, p, obs_dim, hidden, "tanh", n_out)
    for k, v in (("target_kl", target_kl), ("cg_damping", cg_damping),
                 ("cg_max_steps", cg_max_steps), ("line_search_shrinking_factor", shrink),
                 ("line_search_max_iter", max_iter), ("learning_rate", lr)):
        f.put(k, v)
    f.put("params", flat(p.rlc_order()))
    f.put("params_old", flat(old.rlc_order()))
    f.put("rollout_obs", obs)
    f.put("rollout_actions", actions)
    f.put("rollout_log_probs", old_log_probs)
    f.put("rollout_values", old_values)
    f.put("rollout_advantages", advantages)
    f.put("rollout_returns", returns)
    f.put("advantages_normalized", adv)

    L = surrogate()
    g = torch.cat([x.reshape(-1) for x in torch.autograd.grad(L, pi)])
    L0 = L.item()
    f.put("surrogate", L0)
    f.put("g", g)
    v = torch.randn(n_pi)
    f.put("v", v)
    f.put("Fv", fisher_product(v))

    # include/rlc/cg.h: x = 0, r = p = b; alpha = r.r / p.Ap; x += alpha p; r -= alpha Ap; stop
    # when r.r < 1e-10 or after cg_max_steps products; p = (r.r_new / r.r) p + r
    def conjugate_gradient(b):
        x, r, d = torch.zeros(n_pi), b.clone(), b.clone()
        rr = torch.dot(r, r).item()
        iterations = 0
        for _ in range(cg_max_steps):
            Ad = fisher_product(d)
            iterations += 1
            pAp = torch.dot(d, Ad).item()
            assert pAp > 0
            alpha = rr / pAp
            x = x + alpha * d
            r = r - alpha * Ad
            rr_new = torch.dot(r, r).item()
            if rr_new < 1e-10:
                break
            d = (rr_new / rr) * d + r
            rr = rr_new
        return x, iterations, rr_new

    s, iterations, rr_new = conjugate_gradient(g)
    assert rr_new >= 1e-10, "CG converged before cg_max_steps: the count would not be tested"
    # CG amplifies rounding: g perturbed entrywise by 1e-14 (relative) must move s by less than
    # CG_AMPLIFICATION * 1e-14, entrywise relative (floor 1e-6 of max |s|, as the C test), or
    # a comparison of s to 1e-10 would test the conditioning, not rlc
    s_p, _, _ = conjugate_gradient(g * (1 + 1e-14 * (2 * torch.rand(n_pi) - 1)))
    moved = ((s_p - s).abs() / torch.clamp(s.abs(), min=1e-6 * s.abs().max().item())).max()
    assert moved < CG_AMPLIFICATION * 1e-14, f"CG amplifies rounding by {moved / 1e-14:.3g}"
    f.put("s", s)
    f.put("cg_iterations", iterations)
    f.put("cg_residual", rr_new)
    sFs = torch.dot(s, fisher_product(s)).item()
    beta = math.sqrt(2.0 * target_kl / sFs)
    expected = beta * torch.dot(g, s).item()
    f.put("sFs", sFs)
    f.put("beta", beta)
    f.put("expected_improvement", expected)

    theta0 = flat(pi)
    kls, gains, frac, accepted = [], [], 1.0, None
    for it in range(max_iter):
        set_pi(theta0 + (frac * beta) * s)
        with torch.no_grad():
            kl, gain = mean_kl().item(), surrogate().item() - L0
        kls.append(kl)
        gains.append(gain)
        assert abs(kl - target_kl) > MARGIN * target_kl and abs(gain) > MARGIN * abs(L0)
        if kl <= target_kl and gain > 0:
            accepted = frac
            break
        frac *= shrink
    assert accepted is not None and len(kls) >= 2, (kls, gains)
    f.put("line_search_kl", kls)
    f.put("line_search_gain", gains)
    f.put("line_search_steps", len(kls))
    f.put("accepted_fraction", accepted)
    f.put("kl_divergence", kls[-1])
    f.put("surrogate_improvement", gains[-1])
    f.put("pi_after", flat(pi))

    opt = torch.optim.Adam(p.critic.parameters(), lr=lr, eps=1e-8)
    values, _, _ = p.evaluate_actions(obs, actions)
    value_loss = F.mse_loss(values, returns)
    opt.zero_grad()
    value_loss.backward()
    opt.step()
    f.put("value_loss", value_loss)
    f.put("params_after", flat(p.rlc_order()))
    f.write()
    print(f"  line search: KL {', '.join(f'{k:.4g}' for k in kls)} (target {target_kl}), "
          f"gains {', '.join(f'{x:.3g}' for x in gains)}; CG residual {rr_new:.3g}")


# --- QAC ----------------------------------------------------------------------------------------
# Zhao, "Mathematical Foundations of Reinforcement Learning", Algorithm 10.1, batched as rlc does
# (include/rlc/qac.h): a rollout of n_steps x n_envs rows (row t * n_envs + e); the critic is
# q(s, a) — one output per action for Categorical, q(concat(s, clamp(a, low, high))) for Gaussian
# (the action bounds are +-1 here, as the C test's spaces); the Sarsa targets
# r + gamma * (1 - terminated) * q(s', a') with a' the next row's action, or for the last step the
# a' drawn at the observations after the rollout; the loss
#   -mean(log pi(a|s) * q.detach()) - ent_coef * mean(entropy) + 0.5 * mean((target - q)^2)
# with one backward pass; each network's gradient clipped apart by clip_grad_norm_ (pi's:
# actor and log_std; the critic's); one step of each network's optimiser with its own learning
# rate: torch.optim.Adam (eps 1e-8) or RMSprop (alpha 0.99, eps 1e-5).

class QPolicy(Policy):
    """Policy whose critic is q(s, a)."""

    def __init__(self, obs_dim, hidden, act, dist, n_out, log_std_init=0.0):
        super().__init__(obs_dim, hidden, act, dist, n_out, log_std_init)
        q_in = obs_dim + (n_out if dist == "gaussian" else 0)
        self.critic = mlp([q_in] + hidden + [1 if dist == "gaussian" else n_out], act)

    def q(self, obs, actions):
        if self.dist == "gaussian":
            a = actions.clamp(-1.0, 1.0)
            return forward(self.critic, torch.cat([obs, a], dim=1)).flatten()
        return forward(self.critic, obs).gather(1, actions.long()).flatten()

    def pi_parameters(self):
        return list(self.actor.parameters()) + ([self.log_std] if self.log_std is not None else [])


def qac_case(name, dist, seed, obs_dim, hidden, act_name, n_out, optimizer):
    torch.manual_seed(seed)
    act = nn.ReLU if act_name == "relu" else nn.Tanh
    n_envs, n_steps = 2, 4
    rows = n_envs * n_steps
    gamma, ent_coef, max_grad_norm, actor_lr, critic_lr = 0.95, 0.02, 0.1, 0.01, 0.02

    p = QPolicy(obs_dim, hidden, act, dist, n_out, log_std_init=-0.5)
    with torch.no_grad():
        for w in p.parameters():
            w.mul_(1.5)
    obs = torch.randn(rows, obs_dim)
    actions = p.sample(obs)
    if dist == "gaussian":  # some actions beyond the bounds, none at them
        actions = 1.6 * actions
        assert (actions.abs() > 1).any() and away_from(actions, [-1.0, 1.0])
    rewards = torch.randn(rows)
    terminated = torch.zeros(rows)
    terminated[1 * n_envs + 0] = 1.0  # env 0 terminates at step 1, env 1 on the last step
    terminated[(n_steps - 1) * n_envs + 1] = 1.0
    next_obs = torch.randn(n_envs, obs_dim)
    next_actions = p.sample(next_obs)
    with torch.no_grad():
        q_values = p.q(obs, actions)
        q_next = p.q(next_obs, next_actions)
    following = torch.cat([q_values[n_envs:], q_next])  # q(s_{t+1}, a_{t+1}) of each row
    targets = rewards + gamma * (1.0 - terminated) * following

    f = Fixture(name, f"one QAC update, {dist} policy, {optimizer}")
    put_policy_header(f, p, obs_dim, hidden, act_name, n_out)
    for k, v in (("n_envs", n_envs), ("n_steps", n_steps), ("gamma", gamma),
                 ("ent_coef", ent_coef), ("max_grad_norm", max_grad_norm),
                 ("actor_learning_rate", actor_lr), ("critic_learning_rate", critic_lr),
                 ("rms_prop", 1 if optimizer == "rmsprop" else 0)):
        f.put(k, v)
    f.put("params", flat(p.rlc_order()))
    f.put("obs", obs)
    f.put("actions", actions)
    f.put("rewards", rewards)
    f.put("terminated", terminated)
    f.put("next_obs", next_obs)
    f.put("next_actions", next_actions)
    f.put("q_values", q_values)
    f.put("q_next", q_next)
    f.put("targets", targets)

    out = forward(p.actor, obs)
    if dist == "gaussian":
        d = torch.distributions.Normal(out, torch.ones_like(out) * p.log_std.exp())
        log_prob, entropy = d.log_prob(actions).sum(dim=1), d.entropy().sum(dim=1)
    else:
        d = torch.distributions.Categorical(logits=out)
        log_prob, entropy = d.log_prob(actions.long().flatten()), d.entropy()
    q = p.q(obs, actions)
    actor_loss = -(log_prob * q.detach()).mean()
    critic_loss = 0.5 * ((targets - q) ** 2).mean()
    loss = actor_loss - ent_coef * entropy.mean() + critic_loss
    f.put("actor_loss", actor_loss)
    f.put("critic_loss", critic_loss)
    f.put("entropy", entropy.mean())
    f.put("mean_q", q.mean())
    f.put("loss", loss)
    loss.backward()
    f.put("grad", flat_grad(p.rlc_order()))
    for part in (p.pi_parameters(), list(p.critic.parameters())):
        norm = torch.nn.utils.clip_grad_norm_(part, max_grad_norm)
        assert norm > max_grad_norm * 1.5, f"gradient norm {norm} does not exceed max_grad_norm"
    f.put("grad_clipped", flat_grad(p.rlc_order()))
    if optimizer == "rmsprop":
        opts = [torch.optim.RMSprop(ps, lr=lr, alpha=0.99, eps=1e-5)
                for ps, lr in ((p.pi_parameters(), actor_lr), (p.critic.parameters(), critic_lr))]
    else:
        opts = [torch.optim.Adam(ps, lr=lr, eps=1e-8)
                for ps, lr in ((p.pi_parameters(), actor_lr), (p.critic.parameters(), critic_lr))]
    for o in opts:
        o.step()
    f.put("params_after", flat(p.rlc_order()))
    f.write()


if __name__ == "__main__":
    ddpg_case()
    ppo_case("ppo_gaussian", "gaussian", 1, obs_dim=3, hidden=[5, 4], act_name="tanh", n_out=2,
             old_noise=0.05)
    ppo_case("ppo_categorical", "categorical", 13, obs_dim=4, hidden=[5, 4], act_name="relu",
             n_out=3, old_noise=0.1)
    a2c_case("a2c_rmsprop_gaussian", "gaussian", 3, obs_dim=3, hidden=[5, 4], act_name="tanh",
             n_out=2, rms_prop=True, normalize_advantage=False)
    a2c_case("a2c_adam_categorical", "categorical", 5, obs_dim=4, hidden=[4, 4],
             act_name="relu", n_out=3, rms_prop=False, normalize_advantage=True)
    trpo_case("trpo_gaussian", "gaussian", 7, obs_dim=3, hidden=[5, 4], n_out=2,
              old_noise=0.05, target_kl=0.1, cg_damping=0.1, cg_max_steps=4, shrink=0.8,
              max_iter=10, sharpen=3.0)
    trpo_case("trpo_categorical", "categorical", 19, obs_dim=4, hidden=[5, 4], n_out=3,
              old_noise=0.1, target_kl=0.1, cg_damping=0.01, cg_max_steps=4, shrink=0.8,
              max_iter=10)
    qac_case("qac_adam_categorical", "categorical", 23, obs_dim=4, hidden=[5, 4],
             act_name="relu", n_out=3, optimizer="adam")
    qac_case("qac_rmsprop_gaussian", "gaussian", 29, obs_dim=3, hidden=[5, 4], act_name="tanh",
             n_out=2, optimizer="rmsprop")
