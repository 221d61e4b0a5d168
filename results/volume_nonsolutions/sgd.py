import h5py, numpy as np, sys
f = h5py.File('inst.h5','r')

X = np.array(f['/patterns'] if 'patterns' in f else f['/instance/patterns'], dtype=float)
y = np.array(f['/outputs'] if 'outputs' in f else f['/instance/outputs'], dtype=float)
M, N = X.shape; K = 3; n = N // K
Xk = X.reshape(M, K, n)
rng = np.random.default_rng(0)
W = rng.standard_normal((K, n))
eta = float(sys.argv[1]) if len(sys.argv) > 1 else 0.05
target = int(sys.argv[2]) if len(sys.argv) > 2 else 10
for ep in range(5000):
    for b in np.array_split(rng.permutation(M), M // 50):
        h = np.einsum('mkn,kn->mk', Xk[b], W) / np.sqrt(n)
        t = np.tanh(h)
        out = t.sum(1)
        # cross-entropy on y*out
        g = -y[b] / (1 + np.exp(y[b] * out))            # dL/dout
        gw = np.einsum('m,mk,mkn->kn', g, 1 - t**2, Xk[b]) / np.sqrt(n)
        W -= eta * gw
    h = np.einsum('mkn,kn->mk', Xk, W)
    err = int((np.sign(np.sign(h).sum(1)) != y).sum())
    if err <= target:
        break
print('epochs', ep + 1, 'errors', err)
np.save('sgd.npy', W)
