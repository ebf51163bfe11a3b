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
complete -c 'goose' -n '__goose_should_offer_completions_for_flags_or_options "goose help" version' -l 'version' -d 'Show the version.'
