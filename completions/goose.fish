function __goose_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __goose_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __goose_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __goose_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __goose_parse_tokens -S
    set -l unparsed_tokens (__goose_tokens -pc)
    switch $unparsed_tokens[1]
    case 'goose'
        __goose_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'init'
            __goose_parse_subcommand 1 'dist-tag=' 'version' 'h/help'
        case 'import-srpm'
            __goose_parse_subcommand -r 1 'workspace=' 'json' 'q/quiet' 'branch=' 'layout=' 'jobs=' 'verify-key=+' 'force' 'version' 'h/help'
        case 'lookaside'
            __goose_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'upload'
                __goose_parse_subcommand -r 2 'workspace=' 'json' 'q/quiet' 'version' 'h/help'
            case 'fetch'
                __goose_parse_subcommand 1 'workspace=' 'json' 'q/quiet' 'name=' 'j/jobs=' 'version' 'h/help'
            case 'serve'
                __goose_parse_subcommand 0 'workspace=' 'listen=' 'token-file=' 'max-upload-size=' 'version' 'h/help'
            case 'hash'
                __goose_parse_subcommand -r 1 'json' 'q/quiet' 'type=' 'version' 'h/help'
            end
        case 'build-order'
            __goose_parse_subcommand -r 1 'workspace=' 'branch=' 'd/define=+' 'with=+' 'without=+' 'macros=+' 'repo=+' 'dynamic-buildrequires=+' 'format=' 'json' 'subset=+' 'include-between' 'rdeps=+' 'externals' 'direct-only' 'j/jobs=' 'no-cache' 'v/verbose' 'q/quiet' 'version' 'h/help'
        case 'mock-build'
            __goose_parse_subcommand -r 1 'workspace=' 'json' 'q/quiet' 'buildroot=' 'config=' 'resultdir=' 'jobs=' 'from-waves=' 'with=+' 'without=+' 'define=+' 'timeout=' 'memory-limit=' 'nocheck' 'allow-missing-deps' 'keep-root' 'no-cache' 'scrub=' 'version' 'h/help'
        case 'sign'
            __goose_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'rpm'
                __goose_parse_subcommand -r 1 'key=' 'gnupg-home=' 'passphrase-file=' 'passphrase-fd=' 'workspace=' 'json' 'q/quiet' 'j/jobs=' 'resign' 'signer=' 'version' 'h/help'
            case 'file'
                __goose_parse_subcommand -r 1 'key=' 'gnupg-home=' 'passphrase-file=' 'passphrase-fd=' 'workspace=' 'json' 'q/quiet' 'clear' 'version' 'h/help'
            case 'verify'
                __goose_parse_subcommand -r 1 'keyring=+' 'gnupg-home=' 'json' 'q/quiet' 'version' 'h/help'
            case 'export-key'
                __goose_parse_subcommand 1 'gnupg-home=' 'name=' 'output-dir=' 'json' 'q/quiet' 'version' 'h/help'
            case 'tag'
                __goose_parse_subcommand 1 'key=' 'gnupg-home=' 'passphrase-file=' 'passphrase-fd=' 'workspace=' 'json' 'q/quiet' 'j/jobs=' 'resign' 'signer=' 'version' 'h/help'
            end
        case 'builds'
            __goose_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'import'
                __goose_parse_subcommand -r 1 'workspace=' 'json' 'q/quiet' 'version' 'h/help'
            case 'list'
                __goose_parse_subcommand 0 'workspace=' 'json' 'q/quiet' 'version' 'h/help'
            end
        case 'tag'
            __goose_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __goose_parse_subcommand 1 'workspace=' 'inherit=+' 'release' 'version' 'h/help'
            case 'add'
                __goose_parse_subcommand -r 2 'workspace=' 'json' 'q/quiet' 'from-builds' 'version' 'h/help'
            case 'remove'
                __goose_parse_subcommand -r 2 'workspace=' 'version' 'h/help'
            case 'list'
                __goose_parse_subcommand 1 'workspace=' 'json' 'q/quiet' 'latest' 'version' 'h/help'
            end
        case 'mash'
            __goose_parse_subcommand 1 'workspace=' 'json' 'q/quiet' 'arches=' 'multilib=' 'require-key=' 'comps=' 'updateinfo=' 'base-repo=+' 'compression=' 'sqlite' 'keep=' 'j/jobs=' 'sign-key=' 'no-sign' 'strict' 'no-strict' 'version' 'h/help'
        case 'mirror'
            __goose_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'manifest'
                __goose_parse_subcommand 1 'json' 'q/quiet' 'j/jobs=' 'version' 'h/help'
            case 'check'
                __goose_parse_subcommand 1 'json' 'q/quiet' 'output-directory=' 'j/jobs=' 'version' 'h/help'
            end
        case 'mirror-sync'
            __goose_parse_subcommand 2 'json' 'q/quiet' 'j/jobs=' 'bwlimit=' 'delete-delay=' 'dry-run' 'version' 'h/help'
        case 'doctor'
            __goose_parse_subcommand 0 'workspace=' 'json' 'q/quiet' 'version' 'h/help'
        case 'compose-iso'
            __goose_parse_subcommand 0 'workspace=' 'json' 'q/quiet' 'tag=' 'repo=' 'variant=+' 'arch=+' 'release-name=' 'release-short=' 'release-version=' 'comps=' 'groups=' 'packages=' 'include-level=' 'boot=' 'label=' 'require-key=' 'sign-key=' 'no-sign' 'passphrase-file=' 'passphrase-fd=' 'id=' 'dual-layer' 'j/jobs=' 'version' 'h/help'
        case 'help'
            __goose_parse_subcommand -r 1 'version'
        end
    end
end

function __goose_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __goose_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __goose_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __goose_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__goose_tokens -p)
    if test -z "$(__goose_tokens -t)"
        set -l index (count (__goose_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'goose' -f
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'init' -d 'Create a goose workspace.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'import-srpm' -d 'Import source RPMs into dist-git repositories and the lookaside cache.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'lookaside' -d 'Store and fetch source archives (dist-git lookaside cache).'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'build-order' -d 'Order source packages for building: waves, cycles, externals.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'mock-build' -d 'Build source RPMs or dist-git checkouts in clean, isolated, network-less roots.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'sign' -d 'Sign and verify RPMs, repodata and checksum files.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'builds' -d 'The builds inventory: builds/<name>/<version>/<release>/ with build.json.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'tag' -d 'Manage tags: named sets of builds that goose mash turns into repositories.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'mash' -d 'Turn a tag into closure-checked yum repositories under repos/<tag>/.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'mirror' -d 'Mirror manifests and mirror network checks.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'mirror-sync' -d 'Sync a mirror tree from an upstream by manifest, metadata last.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'doctor' -d 'Check the host for what goose\'s subcommands need, and say what to install.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'compose-iso' -d 'Compose installable trees and DVD ISOs from a mashed tag or a repository, reproducibly.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose init" dist-tag' -l 'dist-tag' -d 'The %{dist} tag of the distribution (default: .el9).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose init" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm" branch' -l 'branch' -d 'dist-git branch to import onto (default: goose.toml\'s default_branch).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm" layout' -l 'layout' -d 'Repository layout (default: goose.toml\'s import.layout).' -rfka 'fedora centos'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm" jobs' -l 'jobs' -d 'Parallel imports (default: number of cores).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm"' -l 'verify-key' -d 'Require a valid signature by this public key file (repeatable).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm" force' -l 'force' -d 'Import even when the NVR is older than the branch head.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose import-srpm" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose lookaside" -eq 1' -fa 'upload' -d 'Put archives in the lookaside and list them in the current checkout.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose lookaside" -eq 1' -fa 'fetch' -d 'Download the archives a dist-git checkout lists.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose lookaside" -eq 1' -fa 'serve' -d 'Serve the workspace\'s lookaside over HTTP, as dist-git does.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose lookaside" -eq 1' -fa 'hash' -d 'Print the `sources` line of files without storing them.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside upload" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside upload" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside upload" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside upload" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside upload" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside fetch" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside fetch" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside fetch" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside fetch" name' -l 'name' -d 'The package name (default: from the checkout, see above).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside fetch" j jobs' -s 'j' -l 'jobs' -d 'Downloads to run at once.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside fetch" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside fetch" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside serve" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside serve" listen' -l 'listen' -d 'Address and port to listen on.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside serve" token-file' -l 'token-file' -d 'File holding the upload token (default: goose.toml\'s lookaside.token_file).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside serve" max-upload-size' -l 'max-upload-size' -d 'Largest upload in bytes (default: goose.toml\'s lookaside.max_upload_size).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside serve" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside hash" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside hash" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside hash" type' -l 'type' -d 'Hash algorithm.' -rfka 'md5 sha1 sha256 sha512'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside hash" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose lookaside hash" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" workspace' -l 'workspace' -d 'The goose workspace (for --branch and the cache).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" branch' -l 'branch' -d 'Read each dist-git repository of the workspace at this branch.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order"' -l 'define' -s 'd' -d 'Define a macro, as rpmbuild --define.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order"' -l 'with' -d 'Enable a conditional, as rpmbuild --with.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order"' -l 'without' -d 'Disable a conditional, as rpmbuild --without.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order"' -l 'macros' -d 'Load a macro file (repeatable).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order"' -l 'repo' -d 'Repository of built binaries (a repodata directory or an http(s)/file URL) for provides that exist only after a build.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order"' -l 'dynamic-buildrequires' -d '`rpmbuild -br` SRPMs (*.buildreqs.nosrc.rpm, or a directory of them) with the BuildRequires that %generate_buildrequires specs generate.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" format' -l 'format' -d 'Output format: waves, chain, list, dot or json.' -rfka 'waves chain list dot json'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" json' -l 'json' -d 'Print JSON (same as --format json).'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order"' -l 'subset' -d 'Order only these packages, through the whole graph (takes every word up to the next option).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" include-between' -l 'include-between' -d 'With --subset, also list the packages between the chosen ones.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order"' -l 'rdeps' -d 'Show what must be rebuilt when this package changes, in order.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" externals' -l 'externals' -d 'List the dependencies no input provides (the base buildroot\'s job).'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" direct-only' -l 'direct-only' -d 'Only direct BuildRequires edges, without the runtime closure of the providers.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" j jobs' -s 'j' -l 'jobs' -d 'Spec parser processes to run at once (default: all cores).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" no-cache' -l 'no-cache' -d 'Parse everything again, ignoring the cache (the cache is still refreshed).'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" v verbose' -s 'v' -l 'verbose' -d 'Explain provider choices and print cache statistics.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" q quiet' -s 'q' -l 'quiet' -d 'Print no progress, warnings or cycle details; only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose build-order" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" buildroot' -l 'buildroot' -d 'Buildroot definition buildroots/<name>.toml in the workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" config' -l 'config' -d 'Buildroot definition file (instead of --buildroot).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" resultdir' -l 'resultdir' -d 'Put results here instead of the workspace\'s builds/.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" jobs' -l 'jobs' -d 'Parallel builds, each in its own root.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" from-waves' -l 'from-waves' -d 'Build the packages of a `goose build-order --format waves` file, wave by wave; each wave\'s RPMs form a local repo later waves install BuildRequires from.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build"' -l 'with' -d 'Enable a bcond (rpmbuild --with).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build"' -l 'without' -d 'Disable a bcond (rpmbuild --without).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build"' -l 'define' -d 'Define an rpm macro: \'name value\'.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" timeout' -l 'timeout' -d 'Kill the build (all its processes) after this many seconds; exit 11.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" memory-limit' -l 'memory-limit' -d 'Address-space limit of the build\'s processes, in MiB.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" nocheck' -l 'nocheck' -d 'Skip %check.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" allow-missing-deps' -l 'allow-missing-deps' -d 'Build even when BuildRequires are missing on the host (rpmbuild --nodeps).'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" keep-root' -l 'keep-root' -d 'Keep the root\'s scratch directory after the build.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" no-cache' -l 'no-cache' -d 'Populate a fresh root for each build instead of using (and filling) the root cache.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" scrub' -l 'scrub' -d 'Remove cached roots first: \'root-cache\' (this definition\'s populated roots) or \'all\'. Alone, only scrubs.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mock-build" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose sign" -eq 1' -fa 'rpm' -d 'Add a header signature to RPMs, as rpmsign --addsign does, in parallel.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose sign" -eq 1' -fa 'file' -d 'Write a detached armored signature (FILE.asc) or clear-sign a file.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose sign" -eq 1' -fa 'verify' -d 'Check the signatures of RPMs, detached signatures and clear-signed files.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose sign" -eq 1' -fa 'export-key' -d 'Write the public key as RPM-GPG-KEY-<name> for repos and ISOs.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose sign" -eq 1' -fa 'tag' -d 'Sign every RPM of every build in a tag and record the key in build.json.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" key' -l 'key' -d 'Fingerprint of the signing key (default: goose.toml\'s signing.key).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" gnupg-home' -l 'gnupg-home' -d 'GnuPG home holding the key (default: goose.toml\'s signing.gnupg_home, else $GNUPGHOME).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" passphrase-file' -l 'passphrase-file' -d 'Read the key\'s passphrase from the first line of this file.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" passphrase-fd' -l 'passphrase-fd' -d 'Read the key\'s passphrase from this open file descriptor.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" workspace' -l 'workspace' -d 'The goose workspace, for its goose.toml [signing] settings (optional).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" j jobs' -s 'j' -l 'jobs' -d 'Packages to sign at once (worker processes).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" resign' -l 'resign' -d 'Replace a signature made by another key.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" signer' -l 'signer' -d 'How signatures are made: agent (gpg-agent signs each header digest for goose, no gpg process per package), gpg (one gpg per package, as rpmsign), auto (agent for RSA and EdDSA keys, else gpg).' -rfka 'auto agent gpg'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign rpm" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" key' -l 'key' -d 'Fingerprint of the signing key (default: goose.toml\'s signing.key).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" gnupg-home' -l 'gnupg-home' -d 'GnuPG home holding the key (default: goose.toml\'s signing.gnupg_home, else $GNUPGHOME).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" passphrase-file' -l 'passphrase-file' -d 'Read the key\'s passphrase from the first line of this file.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" passphrase-fd' -l 'passphrase-fd' -d 'Read the key\'s passphrase from this open file descriptor.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" workspace' -l 'workspace' -d 'The goose workspace, for its goose.toml [signing] settings (optional).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" clear' -l 'clear' -d 'Clear-sign the file in place instead of writing FILE.asc.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign file" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign verify"' -l 'keyring' -d 'Public key file to trust (repeatable).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign verify" gnupg-home' -l 'gnupg-home' -d 'GnuPG home whose public keys to trust when no --keyring is given.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign verify" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign verify" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign verify" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign export-key" gnupg-home' -l 'gnupg-home' -d 'GnuPG home holding the key (default: $GNUPGHOME).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign export-key" name' -l 'name' -d 'The <name> in RPM-GPG-KEY-<name>.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign export-key" output-dir' -l 'output-dir' -d 'Directory to write the key file to.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign export-key" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign export-key" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign export-key" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign export-key" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" key' -l 'key' -d 'Fingerprint of the signing key (default: goose.toml\'s signing.key).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" gnupg-home' -l 'gnupg-home' -d 'GnuPG home holding the key (default: goose.toml\'s signing.gnupg_home, else $GNUPGHOME).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" passphrase-file' -l 'passphrase-file' -d 'Read the key\'s passphrase from the first line of this file.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" passphrase-fd' -l 'passphrase-fd' -d 'Read the key\'s passphrase from this open file descriptor.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" workspace' -l 'workspace' -d 'The goose workspace, for its goose.toml [signing] settings (optional).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" j jobs' -s 'j' -l 'jobs' -d 'Packages to sign at once (worker processes).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" resign' -l 'resign' -d 'Replace a signature made by another key.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" signer' -l 'signer' -d 'How signatures are made: agent (gpg-agent signs each header digest for goose, no gpg process per package), gpg (one gpg per package, as rpmsign), auto (agent for RSA and EdDSA keys, else gpg).' -rfka 'auto agent gpg'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose sign tag" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose builds" -eq 1' -fa 'import' -d 'Register RPMs built elsewhere as builds (koji import).'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose builds" -eq 1' -fa 'list' -d 'List the builds in the workspace.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds import" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds import" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds import" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds import" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds list" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds list" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds list" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds list" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose builds list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose tag" -eq 1' -fa 'create' -d 'Create an empty tag, optionally inheriting from others.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose tag" -eq 1' -fa 'add' -d 'Tag builds (each NVR must exist under builds/).'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose tag" -eq 1' -fa 'remove' -d 'Untag builds.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose tag" -eq 1' -fa 'list' -d 'List a tag\'s builds, or every tag.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag create" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag create"' -l 'inherit' -d 'Parent tags, highest priority first.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag create" release' -l 'release' -d 'Mark the tag as a release tag (goose mash is --strict by default).'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag create" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag add" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag add" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag add" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag add" from-builds' -l 'from-builds' -d 'Tag every build in the workspace.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag add" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag remove" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag remove" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag list" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag list" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag list" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag list" latest' -l 'latest' -d 'Show the latest build per package, with inheritance.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag list" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose tag list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" arches' -l 'arches' -d 'Comma-separated arches (default: goose.toml\'s distribution.arches).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" multilib' -l 'multilib' -d 'Multilib policy: devel, runtime, all or none (default: goose.toml\'s multilib.policy).' -rfka 'devel runtime all none'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" require-key' -l 'require-key' -d 'Require every package to be signed by this key (fingerprint or public key file).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" comps' -l 'comps' -d 'comps.xml to publish as the group record.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" updateinfo' -l 'updateinfo' -d 'updateinfo.xml to publish as is.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash"' -l 'base-repo' -d 'Repository directory the closure check may also resolve against (repeatable).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" compression' -l 'compression' -d 'Compression of the repodata XML: gz, xz, bz2 or none.' -rfka 'gz xz bz2 none'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" sqlite' -l 'sqlite' -d 'Also write the sqlite databases (primary_db, filelists_db, other_db; bzip2), for yum and older tools.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" keep' -l 'keep' -d 'Published trees to keep.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" j jobs' -s 'j' -l 'jobs' -d 'Packages to read at once.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" sign-key' -l 'sign-key' -d 'Sign each repomd.xml with this key (default: goose.toml\'s signing.key, if set); the passphrase comes from gpg-agent.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" no-sign' -l 'no-sign' -d 'Do not sign repomd.xml even when goose.toml names a signing key.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" strict' -l 'strict' -d 'Refuse to publish when a dependency is broken (default: on for release tags).'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" no-strict' -l 'no-strict' -d 'Refuse to publish when a dependency is broken (default: on for release tags).'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mash" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose mirror" -eq 1' -fa 'manifest' -d 'Write DIR/.goose-manifest and DIR/fullfiletimelist.'
complete -c 'goose' -n '__goose_should_offer_completions_for_positional "goose mirror" -eq 1' -fa 'check' -d 'Probe mirrors; write status.json, mirror lists and metalinks of current mirrors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror manifest" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror manifest" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror manifest" j jobs' -s 'j' -l 'jobs' -d 'Files to hash at once.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror manifest" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror manifest" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror check" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror check" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror check" output-directory' -l 'output-directory' -d 'Directory for status.json, mirror lists and metalinks.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror check" j jobs' -s 'j' -l 'jobs' -d 'Mirrors to probe at once.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror check" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror-sync" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror-sync" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror-sync" j jobs' -s 'j' -l 'jobs' -d 'Transfers to run at once.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror-sync" bwlimit' -l 'bwlimit' -d 'Total bandwidth limit, as rsync: KiB/s, or with k/m/g suffix.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror-sync" delete-delay' -l 'delete-delay' -d 'Wait between placing new metadata and deleting stale files (30s, 15m, 2h).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror-sync" dry-run' -l 'dry-run' -d 'Show what would be transferred and deleted, change nothing.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror-sync" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose mirror-sync" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose doctor" workspace' -l 'workspace' -d 'Workspace whose free space to check (default: $GOOSE_HOME, else the current directory).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose doctor" json' -l 'json' -d 'Print the checks as a JSON array.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose doctor" q quiet' -s 'q' -l 'quiet' -d 'Print only what is missing.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose doctor" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose doctor" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" workspace' -l 'workspace' -d 'The goose workspace.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" json' -l 'json' -d 'Print machine-readable JSON instead of text.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" q quiet' -s 'q' -l 'quiet' -d 'Print no progress and no per-item lines, only errors.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" tag' -l 'tag' -d 'Compose from the mash of this tag (repos/<tag>/latest/<arch>).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" repo' -l 'repo' -d 'Compose from this repository directory (with repodata/).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso"' -l 'variant' -d 'Variant ID, or ID:group,group (repeatable).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso"' -l 'arch' -d 'Arch (repeatable; comma-separated lists accepted).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" release-name' -l 'release-name' -d 'Release name (productmd release.name).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" release-short' -l 'release-short' -d 'Release short name (productmd release.short).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" release-version' -l 'release-version' -d 'Release version.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" comps' -l 'comps' -d 'comps.xml: group file of the repodata and source of --groups.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" groups' -l 'groups' -d 'Comma-separated comps group ids to gather.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" packages' -l 'packages' -d 'File of package names to gather, one per line (# comments).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" include-level' -l 'include-level' -d 'Comps include level: required, default or all.' -rfka 'required default all'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" boot' -l 'boot' -d 'lorax-style boot tree (isolinux/, images/, EFI/) to add and make bootable.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" label' -l 'label' -d 'ISO volume id (at most 32 characters).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" require-key' -l 'require-key' -d 'Require every gathered package to be signed by this key (fingerprint or key file).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" sign-key' -l 'sign-key' -d 'Clear-sign each CHECKSUM with this key and ship it as RPM-GPG-KEY-<short> (default: goose.toml\'s signing.key, if set).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" no-sign' -l 'no-sign' -d 'Do not sign CHECKSUM even when goose.toml names a signing key.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" passphrase-file' -l 'passphrase-file' -d 'Read the signing key\'s passphrase from the first line of this file.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" passphrase-fd' -l 'passphrase-fd' -d 'Read the signing key\'s passphrase from this open file descriptor.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" id' -l 'id' -d 'Compose id (default <SHORT>-<version>-<YYYYMMDD>.<n>).' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" dual-layer' -l 'dual-layer' -d 'Allow images up to a dual-layer DVD (8.5 GB).'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" j jobs' -s 'j' -l 'jobs' -d 'Packages to read at once.' -rfka ''
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" version' -l 'version' -d 'Show the version.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose compose-iso" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose help" version' -l 'version' -d 'Show the version.'
