#!/bin/bash

__goose_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__goose_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__goose_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__goose_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_goose() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __goose_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    init|import-srpm|lookaside|build-order|mock-build|sign|builds|tag|mash|mirror|mirror-sync|doctor|compose-iso|help)
        # Offer subcommand argument completions
        "_goose_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'init import-srpm lookaside build-order mock-build sign builds tag mash mirror mirror-sync doctor compose-iso help' -- "${cur}"))
        ;;
    esac
}

_goose_init() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--dist-tag)
    __goose_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--dist-tag')
        return
        ;;
    esac
}

_goose_import-srpm() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --force --version -h --help)
    repeating_options=(--verify-key)
    non_repeating_options=(--workspace --branch --layout -j --jobs)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    '--branch')
        return
        ;;
    '--layout')
        __goose_add_completions -W 'fedora'$'\n''centos'
        return
        ;;
    '-j'|'--jobs')
        return
        ;;
    '--verify-key')
        return
        ;;
    esac
}

_goose_lookaside() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __goose_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    upload|fetch|serve|hash)
        # Offer subcommand argument completions
        "_goose_lookaside_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'upload fetch serve hash' -- "${cur}"))
        ;;
    esac
}

_goose_lookaside_upload() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--workspace)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    esac
}

_goose_lookaside_fetch() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--workspace --name -j --jobs)
    __goose_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    '--name')
        return
        ;;
    '-j'|'--jobs')
        return
        ;;
    esac
}

_goose_lookaside_serve() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--workspace --listen --token-file --max-upload-size)
    __goose_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    '--listen')
        return
        ;;
    '--token-file')
        return
        ;;
    '--max-upload-size')
        return
        ;;
    esac
}

_goose_lookaside_hash() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--type)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--type')
        __goose_add_completions -W 'md5'$'\n''sha1'$'\n''sha256'$'\n''sha512'
        return
        ;;
    esac
}

_goose_build-order() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --include-between --externals --direct-only --no-cache --version -h --help)
    repeating_options=(--define -d --with --without --macros --repo --dynamic-buildrequires --subset --rdeps)
    non_repeating_options=(--workspace --branch --format -j --jobs)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    '--branch')
        return
        ;;
    '--define'|'-d')
        return
        ;;
    '--with')
        return
        ;;
    '--without')
        return
        ;;
    '--macros')
        return
        ;;
    '--repo')
        return
        ;;
    '--dynamic-buildrequires')
        return
        ;;
    '--format')
        __goose_add_completions -W 'waves'$'\n''chain'$'\n''list'$'\n''dot'$'\n''json'
        return
        ;;
    '--subset')
        return
        ;;
    '--rdeps')
        return
        ;;
    '-j'|'--jobs')
        return
        ;;
    esac
}

_goose_mock-build() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --nocheck --allow-missing-deps --keep-root --no-cache --version -h --help)
    repeating_options=(--with --without --define)
    non_repeating_options=(--workspace --buildroot --config --resultdir -j --jobs --from-waves --timeout --memory-limit --scrub)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    '--buildroot')
        return
        ;;
    '--config')
        return
        ;;
    '--resultdir')
        return
        ;;
    '-j'|'--jobs')
        return
        ;;
    '--from-waves')
        return
        ;;
    '--with')
        return
        ;;
    '--without')
        return
        ;;
    '--define')
        return
        ;;
    '--timeout')
        return
        ;;
    '--memory-limit')
        return
        ;;
    '--scrub')
        return
        ;;
    esac
}

_goose_sign() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __goose_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    rpm|file|verify|export-key|tag)
        # Offer subcommand argument completions
        "_goose_sign_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'rpm file verify export-key tag' -- "${cur}"))
        ;;
    esac
}

_goose_sign_rpm() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --resign --version -h --help)
    repeating_options=()
    non_repeating_options=(--key --gnupg-home --passphrase-file --passphrase-fd --workspace -j --jobs --signer)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--key')
        return
        ;;
    '--gnupg-home')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--passphrase-fd')
        return
        ;;
    '--workspace')
        return
        ;;
    '-j'|'--jobs')
        return
        ;;
    '--signer')
        __goose_add_completions -W 'auto'$'\n''agent'$'\n''gpg'
        return
        ;;
    esac
}

_goose_sign_file() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --clear --version -h --help)
    repeating_options=()
    non_repeating_options=(--key --gnupg-home --passphrase-file --passphrase-fd --workspace)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--key')
        return
        ;;
    '--gnupg-home')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--passphrase-fd')
        return
        ;;
    '--workspace')
        return
        ;;
    esac
}

_goose_sign_verify() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=(--keyring)
    non_repeating_options=(--gnupg-home)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--keyring')
        return
        ;;
    '--gnupg-home')
        return
        ;;
    esac
}

_goose_sign_export-key() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--gnupg-home --name --output-dir)
    __goose_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--gnupg-home')
        return
        ;;
    '--name')
        return
        ;;
    '--output-dir')
        return
        ;;
    esac
}

_goose_sign_tag() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --resign --version -h --help)
    repeating_options=()
    non_repeating_options=(--key --gnupg-home --passphrase-file --passphrase-fd --workspace -j --jobs --signer)
    __goose_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--key')
        return
        ;;
    '--gnupg-home')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--passphrase-fd')
        return
        ;;
    '--workspace')
        return
        ;;
    '-j'|'--jobs')
        return
        ;;
    '--signer')
        __goose_add_completions -W 'auto'$'\n''agent'$'\n''gpg'
        return
        ;;
    esac
}

_goose_builds() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __goose_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    import|list)
        # Offer subcommand argument completions
        "_goose_builds_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'import list' -- "${cur}"))
        ;;
    esac
}

_goose_builds_import() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--workspace)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    esac
}

_goose_builds_list() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--workspace)
    __goose_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    esac
}

_goose_tag() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __goose_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    create|add|remove|list)
        # Offer subcommand argument completions
        "_goose_tag_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'create add remove list' -- "${cur}"))
        ;;
    esac
}

_goose_tag_create() {
    repeating_flags=()
    non_repeating_flags=(--release --version -h --help)
    repeating_options=(--inherit)
    non_repeating_options=(--workspace)
    __goose_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    '--inherit')
        return
        ;;
    esac
}

_goose_tag_add() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --from-builds --version -h --help)
    repeating_options=()
    non_repeating_options=(--workspace)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    esac
}

_goose_tag_remove() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--workspace)
    __goose_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    esac
}

_goose_tag_list() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --latest --version -h --help)
    repeating_options=()
    non_repeating_options=(--workspace)
    __goose_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    esac
}

_goose_mash() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --sqlite --no-sign --strict --no-strict --version -h --help)
    repeating_options=(--base-repo)
    non_repeating_options=(--workspace --arches --multilib --require-key --comps --updateinfo --compression --keep -j --jobs --sign-key)
    __goose_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    '--arches')
        return
        ;;
    '--multilib')
        __goose_add_completions -W 'devel'$'\n''runtime'$'\n''all'$'\n''none'
        return
        ;;
    '--require-key')
        return
        ;;
    '--comps')
        return
        ;;
    '--updateinfo')
        return
        ;;
    '--base-repo')
        return
        ;;
    '--compression')
        __goose_add_completions -W 'gz'$'\n''xz'$'\n''bz2'$'\n''none'
        return
        ;;
    '--keep')
        return
        ;;
    '-j'|'--jobs')
        return
        ;;
    '--sign-key')
        return
        ;;
    esac
}

_goose_mirror() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __goose_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    manifest|check)
        # Offer subcommand argument completions
        "_goose_mirror_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'manifest check' -- "${cur}"))
        ;;
    esac
}

_goose_mirror_manifest() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(-j --jobs)
    __goose_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '-j'|'--jobs')
        return
        ;;
    esac
}

_goose_mirror_check() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--output-directory -j --jobs)
    __goose_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--output-directory')
        return
        ;;
    '-j'|'--jobs')
        return
        ;;
    esac
}

_goose_mirror-sync() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --dry-run --version -h --help)
    repeating_options=()
    non_repeating_options=(-j --jobs --bwlimit --delete-delay)
    __goose_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '-j'|'--jobs')
        return
        ;;
    '--bwlimit')
        return
        ;;
    '--delete-delay')
        return
        ;;
    esac
}

_goose_doctor() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--workspace)
    __goose_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    esac
}

_goose_compose-iso() {
    repeating_flags=()
    non_repeating_flags=(--json -q --quiet -v --verbose --no-sign --dual-layer --version -h --help)
    repeating_options=(--variant --arch)
    non_repeating_options=(--workspace --tag --repo --release-name --release-short --release-version --comps --groups --packages --include-level --boot --label --require-key --sign-key --passphrase-file --passphrase-fd --id -j --jobs)
    __goose_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--workspace')
        return
        ;;
    '--tag')
        return
        ;;
    '--repo')
        return
        ;;
    '--variant')
        return
        ;;
    '--arch')
        return
        ;;
    '--release-name')
        return
        ;;
    '--release-short')
        return
        ;;
    '--release-version')
        return
        ;;
    '--comps')
        return
        ;;
    '--groups')
        return
        ;;
    '--packages')
        return
        ;;
    '--include-level')
        __goose_add_completions -W 'required'$'\n''default'$'\n''all'
        return
        ;;
    '--boot')
        return
        ;;
    '--label')
        return
        ;;
    '--require-key')
        return
        ;;
    '--sign-key')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--passphrase-fd')
        return
        ;;
    '--id')
        return
        ;;
    '-j'|'--jobs')
        return
        ;;
    esac
}

_goose_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __goose_offer_flags_options -1
}

complete -o filenames -F _goose goose
