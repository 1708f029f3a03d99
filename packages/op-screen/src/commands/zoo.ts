import {
  downloadWeights,
  forwardTorchvision,
  isArchName,
  listArchitectures,
  zooListing,
} from '@op-screen/efficientnet';
import type { Command } from 'commander';
import { classifyPhoto } from '../classify.js';
import { CliError, EXIT_USAGE, jsonLine } from './errors.js';

// Errors (ZooError, a missing file) are thrown as they are: src/cli.ts renders them in the one
// error shape (`FILE_NOT_FOUND`, `WEIGHT_SHAPE_MISMATCH`, ...), exit 1. An `--arch` the registry
// does not know is a usage error (exit 2, as `reproduce --arch`), with the library's code.

function checkArch(name: string): void {
  const known = listArchitectures();
  if (!isArchName(name))
    throw new CliError(
      'UNKNOWN_ARCH',
      `unknown architecture '${name}'; known: ${known.join(', ')} (op-screen zoo list)`,
      {
        exitCode: EXIT_USAGE,
      },
    );
}

/** Registers `op-screen zoo` (owned by the library it wraps; see the facade README). */
export function registerZooCommand(program: Command): void {
  const zoo = program
    .command('zoo')
    .description('model zoo: list architectures and ImageNet weight sources, run a forward pass');

  zoo
    .command('list')
    .description('list the architectures of @op-screen/efficientnet with their weight sources')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const list = zooListing();
      if (opts.json) {
        process.stdout.write(jsonLine(list));
        return;
      }
      for (const e of list)
        process.stdout.write(
          `${String(e.name).padEnd(20)} ${String(e.inputSize).padStart(4)}px  ${(Number(e.parameters) / 1e6).toFixed(1).padStart(6)}M params\n`,
        );
    });

  zoo
    .command('fetch')
    .description(
      'download a registry weight file into the cache (the only command that downloads; honours OP_SCREEN_OFFLINE=1)',
    )
    .requiredOption('--arch <name>', 'architecture, e.g. efficientnet_b4')
    .option('--tag <tag>', 'weight tag, e.g. IMAGENET1K_V2 (default: the first listed)')
    .action(async (opts: { arch: string; tag?: string }) => {
      checkArch(opts.arch);
      const path = await downloadWeights(opts.arch, {
        tag: opts.tag,
        onProgress: (r, t) => {
          if (process.stderr.isTTY)
            process.stderr.write(`\r${(r / 1e6).toFixed(1)}${t ? ` / ${(t / 1e6).toFixed(1)}` : ''} MB`);
        },
      });
      process.stdout.write(`${path}\n`);
    });

  zoo
    .command('classify')
    .description(
      "top-5 ImageNet classes of a JPEG or PNG photo with real weights, preprocessed as those weights expect (Keras 'caffe' BGR means, or torchvision mean/std; resize and crop from the zoo's entry)",
    )
    .requiredOption(
      '--weights <file>',
      'TensorFlow.js layers model.json (Keras layout), or torchvision .pth / .safetensors',
    )
    .requiredOption('--image <file>', 'a JPEG or PNG photo')
    .option(
      '--arch <name>',
      'architecture (default keras_resnet50 for model.json; required for torchvision files)',
    )
    .option('--preprocessing <kind>', "caffe or mean-std: refused unless it is the weights' own")
    .option('--json', 'print {"arch","weights","top5":[{"class","name","probability"}]} as one line')
    .action(
      async (opts: {
        weights: string;
        image: string;
        arch?: string;
        preprocessing?: string;
        json?: boolean;
      }) => {
        if (opts.arch) checkArch(opts.arch);
        if (
          opts.preprocessing !== undefined &&
          opts.preprocessing !== 'caffe' &&
          opts.preprocessing !== 'mean-std'
        )
          throw new CliError(
            'USAGE',
            `--preprocessing must be caffe or mean-std, got "${opts.preprocessing}"`,
            { exitCode: EXIT_USAGE },
          );
        const r = await classifyPhoto({
          weights: opts.weights,
          image: opts.image,
          arch: opts.arch,
          preprocessing: opts.preprocessing as 'caffe' | 'mean-std' | undefined,
        });
        if (opts.json) {
          process.stdout.write(jsonLine(r));
          return;
        }
        for (const c of r.top5)
          process.stdout.write(`${String(c.class).padStart(4)}  ${c.probability.toFixed(3)}  ${c.name}\n`);
      },
    );

  zoo
    .command('forward')
    .description(
      'run a torchvision-layout model (weights .safetensors) on the NCHW tensor named "input" (fed as is) in inference mode',
    )
    .requiredOption('--arch <name>', 'torchvision architecture name, e.g. efficientnet_b4, resnet50')
    .requiredOption('--weights <file>', 'torchvision state_dict: .safetensors or torchvision .pth')
    .requiredOption('--input <file>', '.safetensors holding an NCHW float32 tensor named "input"')
    .option('--json', 'print {"arch","shape","logits"} as JSON')
    .action(async (opts: { arch: string; weights: string; input: string; json?: boolean }) => {
      checkArch(opts.arch);
      const r = await forwardTorchvision({ arch: opts.arch, weights: opts.weights, input: opts.input });
      if (opts.json) {
        process.stdout.write(jsonLine({ arch: r.arch, shape: r.shape, logits: r.logits }));
        return;
      }
      const [n, k] = r.shape;
      for (let i = 0; i < n; i++) {
        const row = r.logits.slice(i * k, (i + 1) * k);
        const top = row.indexOf(Math.max(...row));
        process.stdout.write(`sample ${i}: argmax ${top} (logit ${row[top]?.toFixed(4)})\n`);
      }
    });
}
